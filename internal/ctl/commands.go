package ctl

// commands are every command of audiencectl, in the order help lists them.
var commands = []*command{
	{
		noun: "member", verb: "create",
		synopsis: "-id N [-disabled] [-default-expiration MIN] [-allow IDS]" +
			" [-limit-post N] [-limit-get N] [-limit-users N] [-external-ids]" +
			" [-mapping-member N] [-share-mapping IDS]",
		summary:  "Add a member.",
		required: []string{"id"},
		setup:    memberCreate,
		help: `Adds a member (a customer account), enabled unless -disabled is given.
Settings not given take the service-wide defaults. Fails if a member with
the id exists: change it with 'member update'. Members named by -allow need
not exist yet; a warning says when one does not.

With -external-ids the member's domain-less user ids are its own ids, which
the service maps to platform ids through the mappings posted to /uid-map:
its own, or those of the -mapping-member, which must list it in its
-share-mapping (a warning says when it does not yet).`,
	},
	{
		noun: "member", verb: "update",
		synopsis: "-id N [-enabled=BOOL] [-disabled] [-default-expiration MIN]" +
			" [-clear-default-expiration] [-allow IDS] [-limit-post N] [-limit-get N]" +
			" [-limit-users N] [-external-ids=BOOL] [-mapping-member N] [-share-mapping IDS]",
		summary:  "Change some settings of a member.",
		required: []string{"id"},
		setup:    memberUpdate,
		help: `Changes the settings given and keeps the others. A limit of 0 returns
to the service-wide limit, -clear-default-expiration to the service-wide
default expiration, -allow '' allows no other member, -mapping-member 0
returns to the member's own mapping and -share-mapping '' shares it with
no other member. Every replica sees the change within its registry cache
lifetime (AUDIENCE_REGISTRY_TTL, 5s by default).`,
	},
	{
		noun: "member", verb: "show",
		synopsis: "-id N [-json]",
		summary:  "Print a member's settings.",
		required: []string{"id"},
		setup:    memberShow,
		help:     `Prints a member's settings.`,
	},
	{
		noun: "user", verb: "add",
		synopsis: "-name NAME -member N",
		summary:  "Add an API user to a member.",
		required: []string{"name", "member"},
		setup:    userAdd,
		help: `Adds an enabled API user that acts for the member, which must exist.
` + passwordHelp,
	},
	{
		noun: "user", verb: "passwd",
		synopsis: "-name NAME",
		summary:  "Replace an API user's password.",
		required: []string{"name"},
		setup:    userPasswd,
		help: `Replaces an API user's password. Tokens already issued stay valid:
'audiencectl token revoke -user NAME' ends them.
` + passwordHelp,
	},
	{
		noun: "user", verb: "disable",
		synopsis: "-name NAME",
		summary:  "Disable an API user and end its sessions.",
		required: []string{"name"},
		setup:    userDisable,
		help: `Disables an API user, so that its logins fail, then revokes every
session it has and prints how many were live.`,
	},
	{
		noun: "user", verb: "enable",
		synopsis: "-name NAME",
		summary:  "Enable an API user.",
		required: []string{"name"},
		setup:    userEnable,
		help:     `Enables an API user, so that it may log in again.`,
	},
	{
		noun: "user", verb: "show",
		synopsis: "-name NAME [-json]",
		summary:  "Print an API user.",
		required: []string{"name"},
		setup:    userShow,
		help: `Prints an API user: its member, whether it is enabled and whether it
has a password. Never the password or its hash.`,
	},
	{
		noun: "segment", verb: "add",
		synopsis: "-member N [-id N] [-code CODE] [-inactive]",
		summary:  "Add a segment to a member and print its id.",
		required: []string{"member"},
		setup:    segmentAdd,
		help: `Adds a segment owned by the member, which must exist, and prints its
id alone. Without -id (or with -id 0) the next free id is taken. A code is
unique in its member without regard to case. Every replica can use the
segment within its registry cache lifetime (AUDIENCE_REGISTRY_TTL, 5s by
default).`,
	},
	{
		noun: "segment", verb: "list",
		synopsis: "-member N [-json]",
		summary:  "List a member's segments.",
		required: []string{"member"},
		setup:    segmentList,
		help:     `Lists the segments a member owns, by id.`,
	},
	{
		noun: "segment", verb: "deactivate",
		synopsis: "-id N",
		summary:  "Deactivate a segment.",
		required: []string{"id"},
		setup:    segmentSetActive(false),
		help: `Deactivates a segment: seg blocks that name it get a warning and are
skipped. Memberships already written stay until they expire.`,
	},
	{
		noun: "segment", verb: "activate",
		synopsis: "-id N",
		summary:  "Activate a segment.",
		required: []string{"id"},
		setup:    segmentSetActive(true),
		help:     `Activates a segment, so that seg blocks may name it again.`,
	},
	{
		noun: "segment", verb: "show",
		synopsis: "-id N [-json]",
		summary:  "Print a segment.",
		required: []string{"id"},
		setup:    segmentShow,
		help:     `Prints a segment: its owner, code and state.`,
	},
	{
		noun: "token", verb: "revoke",
		synopsis: "[-user NAME]",
		summary:  "End the session of a token, or every session of a user.",
		setup:    tokenRevoke,
		help: `Ends the session of one token. The token is read from AUDIENCE_TOKEN
if it is set, else from the first line of standard input (at a terminal
it is asked for without echo); it is never taken from the command line.
"Bearer <token>" is taken too. With -user, ends every session of that API
user instead and prints how many were live.`,
	},
	{
		noun: "push",
		synopsis: "-url URL [-format auto|csv|jsonl] [-concurrency N]" +
			" [-users-per-second N] [-warnings FILE] [-journal FILE] [-resume]" +
			" [-credentials FILE] [-gzip] [-progress HOW] FILE|-",
		summary:  "Send an audience file (CSV or JSON Lines) to the API.",
		required: []string{"url"},
		args:     "FILE",
		api:      true,
		setup:    pushCmd,
		help:     pushHelp,
	},
}

// passwordHelp says where a password comes from.
const passwordHelp = `The password is read from AUDIENCE_PASSWORD if it is set, else from the
first line of standard input; at a terminal it is asked for twice, without
echo. It is never taken from the command line. At most 72 bytes.`

// commandsOf returns the commands of a noun.
func commandsOf(noun string) []*command {
	var out []*command
	for _, c := range commands {
		if c.noun == noun {
			out = append(out, c)
		}
	}
	return out
}

// findCommand returns the command noun verb, or nil.
func findCommand(noun, verb string) *command {
	for _, c := range commands {
		if c.noun == noun && c.verb == verb {
			return c
		}
	}
	return nil
}

package rtsegment

import "testing"

func TestNormalizeUser(t *testing.T) {
	tests := []struct {
		name       string
		domain, id string
		wantDomain string
		wantID     string
		wantErr    string
	}{
		{name: "platform", id: "12345", wantID: "12345"},
		{name: "platform trimmed", id: " \t007\n", wantID: "7"},
		{name: "platform largest", id: "18446744073709551615", wantID: "18446744073709551615"},
		{name: "platform 2^64", id: "18446744073709551616", wantErr: platformMsg},
		{name: "platform 21 digits", id: "100000000000000000000", wantErr: platformMsg},
		{name: "platform zero", id: "0", wantErr: platformMsg},
		{name: "platform inner space", id: "1 2", wantErr: platformMsg},
		{name: "platform sign", id: "+1", wantErr: platformMsg},
		{name: "empty id", id: "", wantErr: userNeeded},
		{name: "blank id", domain: "idfa", id: "  ", wantErr: userNeeded},
		{name: "blank domain is the platform", domain: "  ", id: "1", wantID: "1"},
		{name: "idfa", domain: "idfa", id: uuidUpper, wantDomain: "idfa", wantID: uuidLower},
		{name: "idfa padded name", domain: " IDFA ", id: uuidLower, wantDomain: "idfa",
			wantID: uuidLower},
		{name: "idfa braces", domain: "idfa", id: "{" + uuidLower + "}",
			wantErr: "'user_id' must be a UUID for domain 'idfa'"},
		{name: "idfa misplaced hyphen", domain: "idfa",
			id:      "1ba98a6cd-1a5-49ef-ad1c-2d9230ebcd13",
			wantErr: "'user_id' must be a UUID for domain 'idfa'"},
		{name: "aaid", domain: "AAID", id: uuidUpper, wantDomain: "aaid", wantID: uuidLower},
		{name: "md5udid", domain: "md5udid", id: hex32, wantDomain: "md5udid",
			wantID: "0123456789abcdef0123456789abcdef"},
		{name: "md5udid of 40", domain: "md5udid", id: hex40,
			wantErr: "'user_id' must be 32 hexadecimal digits for domain 'md5udid'"},
		{name: "sha1udid", domain: "sha1udid", id: hex40, wantDomain: "sha1udid",
			wantID: "0123456789abcdef0123456789abcdef01234567"},
		{name: "sh1udid", domain: "Sh1UdId", id: hex40, wantDomain: "sha1udid",
			wantID: "0123456789abcdef0123456789abcdef01234567"},
		{name: "openudid", domain: "openudid", id: hex40, wantDomain: "openudid",
			wantID: "0123456789abcdef0123456789abcdef01234567"},
		{name: "openudid of 32", domain: "openudid", id: hex32,
			wantErr: "'user_id' must be 40 hexadecimal digits for domain 'openudid'"},
		{name: "sha1mac", domain: "sha1mac", id: hex40,
			wantErr: "Domain 'sha1mac' is deprecated and no longer accepted."},
		{name: "unknown", domain: "idfv", id: "1", wantErr: "Unknown domain 'idfv'."},
		{name: "long unknown name is clipped", domain: string(make([]byte, 100)), id: "1",
			wantErr: "Unknown domain '" + string(make([]byte, 64)) + "...'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, id, err := NormalizeUser(tc.domain, tc.id)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d != tc.wantDomain || id != tc.wantID {
				t.Errorf("got %q %q, want %q %q", d, id, tc.wantDomain, tc.wantID)
			}
		})
	}
}

func TestCanonicalDomain(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "platform", in: "", want: ""},
		{name: "idfa", in: "idfa", want: "idfa"},
		{name: "upper case", in: "OPENUDID", want: "openudid"},
		{name: "alias", in: "sh1udid", want: "sha1udid"},
		{name: "deprecated", in: "sha1mac", wantErr: true},
		{name: "unknown", in: "null", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CanonicalDomain(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("CanonicalDomain(%q) = %q, %v", tc.in, got, err)
			}
		})
	}
}

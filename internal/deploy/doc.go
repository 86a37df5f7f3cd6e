// Package deploy holds no code: its tests check the deployment files at
// the repository's root offline. The Helm chart (helm/audience) is linted
// and rendered with its default and ci/*-values.yaml values, the plain
// manifests (k8s/) are built with kustomize, and every object is decoded
// strictly into the Kubernetes API types, unknown fields being errors.
// The image's binaries are checked to be static, and the Dockerfile to
// keep the habits the image relies on.
package deploy

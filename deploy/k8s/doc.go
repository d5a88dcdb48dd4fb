// Package k8s holds trafficsim's Kubernetes manifests (README.md) and the test that checks
// them against the Kubernetes API types.
package k8s

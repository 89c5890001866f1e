package main

import (
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	sigsjson "sigs.k8s.io/json"
	k8syaml "sigs.k8s.io/yaml"
)

// kubernetesTypes are the Go types of the objects deploy/kubernetes holds,
// by apiVersion and kind, from k8s.io/api.
var kubernetesTypes = map[string]func() any{
	"v1/ConfigMap":                       func() any { return &corev1.ConfigMap{} },
	"v1/Secret":                          func() any { return &corev1.Secret{} },
	"v1/Service":                         func() any { return &corev1.Service{} },
	"apps/v1/Deployment":                 func() any { return &appsv1.Deployment{} },
	"networking.k8s.io/v1/NetworkPolicy": func() any { return &networkingv1.NetworkPolicy{} },
	"policy/v1/PodDisruptionBudget":      func() any { return &policyv1.PodDisruptionBudget{} },
}

// TestKubernetesSchema decodes every Kubernetes object of deploy/ into its
// type from k8s.io/api, strictly: a misspelt or misplaced field (say
// readOnlyRootFileSystem, or a probe's port under the container) or a value
// of the wrong type fails here, as kubectl's strict field validation would
// fail the apply. Kustomization, which is not an API object, is left to
// TestKustomizationListsEveryManifest.
func TestKubernetesSchema(t *testing.T) {
	n := 0
	for _, m := range readManifests(t) {
		if m.kind == "compose" || m.kind == "Kustomization" {
			continue
		}
		newObject, ok := kubernetesTypes[m.apiVersion+"/"+m.kind]
		if !ok {
			t.Errorf("%s: %s %s (%s) has no type in this test: add it", m.file, m.kind, m.name, m.apiVersion)
			continue
		}
		b, err := yaml.Marshal(m.node)
		if err != nil {
			t.Fatalf("%s: %v", m.file, err)
		}
		// As the API server decodes: field names match case-sensitively
		// (encoding/json alone would take readOnlyRootFileSystem), and an
		// unknown or duplicate field is an error.
		js, err := k8syaml.YAMLToJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", m.file, err)
		}
		strict, err := sigsjson.UnmarshalStrict(js, newObject())
		if err != nil {
			t.Errorf("%s: %s %s: %v", m.file, m.kind, m.name, err)
		}
		for _, e := range strict {
			t.Errorf("%s: %s %s: %v", m.file, m.kind, m.name, e)
		}
		n++
	}
	if n < 8 {
		t.Errorf("%d Kubernetes objects decoded, want 8 (the Deployment, Redis and its Service, two network policies, pdb, configmap, secret)", n)
	}
}

// goMemLimit parses a GOMEMLIMIT value as Go's runtime does for the
// suffixes used here (B, KiB, MiB, GiB), in bytes.
func goMemLimit(t *testing.T, v string) int64 {
	t.Helper()
	for _, u := range []struct {
		suffix string
		scale  int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			i, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				t.Fatalf("GOMEMLIMIT %q: %v", v, err)
			}
			return i * u.scale
		}
	}
	t.Fatalf("GOMEMLIMIT %q: want a number of B, KiB, MiB or GiB", v)
	return 0
}

// TestDeploymentMemoryLimit: the bot's Deployment sets GOMEMLIMIT between
// its container's memory request and limit, so that Go's collector works
// harder before the kernel kills the container, and not before the
// container has used what it asked for.
func TestDeploymentMemoryLimit(t *testing.T) {
	m := find(t, readManifests(t), "Deployment", "meetingbot")
	b, err := yaml.Marshal(m.node)
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := k8syaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		limit, request := c.Resources.Limits.Memory(), c.Resources.Requests.Memory()
		var soft int64
		for _, e := range c.Env {
			if e.Name == "GOMEMLIMIT" {
				soft = goMemLimit(t, e.Value)
			}
		}
		switch {
		case soft == 0:
			t.Errorf("container %s sets no GOMEMLIMIT", c.Name)
		case limit.IsZero():
			t.Errorf("container %s has no memory limit", c.Name)
		case soft >= limit.Value() || soft < request.Value():
			t.Errorf("container %s: GOMEMLIMIT %d bytes, want between the request (%s) and below the limit (%s)", c.Name, soft, request, limit)
		}
	}
}

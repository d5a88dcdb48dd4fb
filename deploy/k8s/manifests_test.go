package k8s

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// objects are the decoded documents of every manifest, by kind and name.
type objects struct {
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	pvcs         map[string]*corev1.PersistentVolumeClaim
	jobs         map[string]*batchv1.Job
	statefulSets map[string]*appsv1.StatefulSet
}

// load decodes every document strictly (an unknown or misspelt field is an error) into the
// API type of its kind.
func load(t *testing.T) *objects {
	t.Helper()
	o := &objects{map[string]*corev1.Service{}, map[string]*corev1.ConfigMap{}, map[string]*corev1.Secret{},
		map[string]*corev1.PersistentVolumeClaim{}, map[string]*batchv1.Job{}, map[string]*appsv1.StatefulSet{}}
	files, _ := filepath.Glob("*.yaml")
	if len(files) < 5 {
		t.Fatalf("manifests: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(b), "\n---\n") {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			var obj interface{ GetName() string }
			switch head.APIVersion + " " + head.Kind {
			case "v1 Service":
				obj = &corev1.Service{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 Secret":
				obj = &corev1.Secret{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "apps/v1 StatefulSet":
				obj = &appsv1.StatefulSet{}
			default:
				t.Fatalf("%s #%d: unexpected %s %s", f, i, head.APIVersion, head.Kind)
			}
			if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
				t.Fatalf("%s #%d (%s): %v", f, i, head.Kind, err)
			}
			switch x := obj.(type) {
			case *corev1.Service:
				o.services[x.Name] = x
			case *corev1.ConfigMap:
				o.configMaps[x.Name] = x
			case *corev1.Secret:
				o.secrets[x.Name] = x
			case *corev1.PersistentVolumeClaim:
				o.pvcs[x.Name] = x
			case *batchv1.Job:
				o.jobs[x.Name] = x
			case *appsv1.StatefulSet:
				o.statefulSets[x.Name] = x
			}
			if obj.GetName() == "" {
				t.Errorf("%s #%d: no name", f, i)
			}
		}
	}
	return o
}

// podRefs checks what a pod template refers to: ConfigMap and Secret keys, claims, and that
// every $(VAR) in its arguments is an env variable of its container.
func (o *objects) podRefs(t *testing.T, owner string, spec corev1.PodSpec) {
	t.Helper()
	for _, c := range spec.Containers {
		vars := map[string]bool{}
		for _, e := range c.Env {
			vars[e.Name] = true
			if r := e.ValueFrom; r != nil && r.ConfigMapKeyRef != nil {
				if cm := o.configMaps[r.ConfigMapKeyRef.Name]; cm == nil {
					t.Errorf("%s: ConfigMap %s is missing", owner, r.ConfigMapKeyRef.Name)
				} else if _, ok := cm.Data[r.ConfigMapKeyRef.Key]; !ok {
					t.Errorf("%s: ConfigMap %s has no key %s", owner, r.ConfigMapKeyRef.Name, r.ConfigMapKeyRef.Key)
				}
			}
			if r := e.ValueFrom; r != nil && r.SecretKeyRef != nil {
				if s := o.secrets[r.SecretKeyRef.Name]; s == nil || s.StringData[r.SecretKeyRef.Key] == "" {
					t.Errorf("%s: Secret %s has no key %s", owner, r.SecretKeyRef.Name, r.SecretKeyRef.Key)
				}
			}
		}
		for _, a := range c.Args {
			for _, part := range strings.Split(a, "$(")[1:] {
				if v, _, _ := strings.Cut(part, ")"); !vars[v] {
					t.Errorf("%s: argument %q uses $(%s), not an env variable of %s", owner, a, v, c.Name)
				}
			}
		}
	}
	for _, v := range spec.Volumes {
		if v.PersistentVolumeClaim != nil && o.pvcs[v.PersistentVolumeClaim.ClaimName] == nil {
			t.Errorf("%s: claim %s is missing", owner, v.PersistentVolumeClaim.ClaimName)
		}
		if v.Secret != nil && o.secrets[v.Secret.SecretName] == nil {
			t.Errorf("%s: Secret %s is missing", owner, v.Secret.SecretName)
		}
	}
}

func selects(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return len(sel) > 0
}

// The manifests decode strictly into the Kubernetes API types and fit together: the farm Job
// is Indexed (the shard is the completion index) with all shards at once, as many as the
// plan's shards, named through a headless Service; the StatefulSets have their Services; the
// center's Service selects the center.
func TestManifests(t *testing.T) {
	o := load(t)
	plan := o.configMaps["trafficsim-plan"]
	if plan == nil {
		t.Fatal("no ConfigMap trafficsim-plan")
	}
	shards, err := strconv.Atoi(plan.Data["shards"])
	if err != nil {
		t.Fatalf("plan shards %q: %v", plan.Data["shards"], err)
	}
	job := o.jobs["farm"]
	switch {
	case job == nil:
		t.Fatal("no Job farm")
	case job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != batchv1.IndexedCompletion:
		t.Error("the farm Job is not Indexed: its completion index is the shard")
	case job.Spec.Completions == nil || int(*job.Spec.Completions) != shards:
		t.Errorf("the farm Job's completions are not the plan's %d shards", shards)
	case job.Spec.Parallelism == nil || *job.Spec.Parallelism != *job.Spec.Completions:
		t.Error("the farm Job does not run every shard at once")
	}
	if hs := o.services[job.Spec.Template.Spec.Subdomain]; hs == nil || hs.Spec.ClusterIP != corev1.ClusterIPNone ||
		!selects(hs.Spec.Selector, job.Spec.Template.Labels) {
		t.Errorf("the farm Job's subdomain %q is not a headless Service selecting its pods", job.Spec.Template.Spec.Subdomain)
	}
	o.podRefs(t, "Job farm", job.Spec.Template.Spec)
	for name, ss := range o.statefulSets {
		svc := o.services[ss.Spec.ServiceName]
		if svc == nil || !selects(svc.Spec.Selector, ss.Spec.Template.Labels) || !selects(ss.Spec.Selector.MatchLabels, ss.Spec.Template.Labels) {
			t.Errorf("StatefulSet %s: its Service %q or selector does not select its pods", name, ss.Spec.ServiceName)
		}
		o.podRefs(t, "StatefulSet "+name, ss.Spec.Template.Spec)
	}
	if live := o.statefulSets["farm-live"]; live == nil || live.Spec.Replicas == nil || int(*live.Spec.Replicas) != shards {
		t.Errorf("StatefulSet farm-live does not run the plan's %d shards", shards)
	}
	if c := o.statefulSets["center"]; c == nil || c.Spec.Replicas == nil || *c.Spec.Replicas != 1 {
		t.Error("no single center")
	}
}

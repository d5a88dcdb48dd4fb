package k8s

import (
	"slices"
	"strconv"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
)

// A sharded load plan on Kubernetes: the shards are an Indexed Job with every shard at once,
// as many as the coordinator's --shards (both from the ConfigMap's shards), and reach the
// coordinator through the Service `load`, which selects it and names the control plane's port
// and the center's three after it.
func TestLoadManifests(t *testing.T) {
	o := load(t)
	cm := o.configMaps["trafficsim-load-plan"]
	if cm == nil || cm.Data["plan.yaml"] == "" {
		t.Fatal("no ConfigMap trafficsim-load-plan with plan.yaml")
	}
	shards, err := strconv.Atoi(cm.Data["shards"])
	if err != nil {
		t.Fatalf("shards %q: %v", cm.Data["shards"], err)
	}
	coord, sh := o.jobs["load-coordinator"], o.jobs["load-shards"]
	if coord == nil || sh == nil {
		t.Fatal("no Jobs load-coordinator and load-shards")
	}
	switch {
	case sh.Spec.CompletionMode == nil || *sh.Spec.CompletionMode != batchv1.IndexedCompletion:
		t.Error("the shard Job is not Indexed: its completion index is the shard")
	case sh.Spec.Completions == nil || int(*sh.Spec.Completions) != shards:
		t.Errorf("the shard Job's completions are not the plan's %d shards", shards)
	case sh.Spec.Parallelism == nil || *sh.Spec.Parallelism != *sh.Spec.Completions:
		t.Error("the shard Job does not run every shard at once")
	}
	if !slices.Contains(coord.Spec.Template.Spec.Containers[0].Args, "--shards=$(SHARDS)") ||
		!slices.Contains(coord.Spec.Template.Spec.Containers[0].Args, "--listen=0.0.0.0:4250") {
		t.Errorf("coordinator args %v", coord.Spec.Template.Spec.Containers[0].Args)
	}
	if !slices.Contains(sh.Spec.Template.Spec.Containers[0].Args, "--center=nats://shard:$(SHARD_TOKEN)@load:4250") {
		t.Errorf("shard args %v", sh.Spec.Template.Spec.Containers[0].Args)
	}
	svc := o.services["load"]
	if svc == nil || !selects(svc.Spec.Selector, coord.Spec.Template.Labels) || selects(svc.Spec.Selector, sh.Spec.Template.Labels) {
		t.Fatal("the Service load does not select the coordinator (only)")
	}
	var ports []int32
	for _, p := range svc.Spec.Ports {
		ports = append(ports, p.Port)
	}
	if !slices.Equal(ports, []int32{4250, 4251, 4252, 4253}) {
		t.Errorf("Service load ports %v, want the control plane 4250 and the center's 4251-4253", ports)
	}
	o.podRefs(t, "Job load-coordinator", coord.Spec.Template.Spec)
	o.podRefs(t, "Job load-shards", sh.Spec.Template.Spec)
}

package center

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A regional cluster's server, connected as a leaf node with its credentials, publishes
// events into the EVENTS stream like a device.
func TestLeafNodePublishesIntoEvents(t *testing.T) {
	c := startCenter(t, "", true, func(cfg *Config) {
		cfg.NATS.LeafListen = "127.0.0.1:0"
		cfg.NATS.Leafs = map[string]string{"leaf-pw": "cluster-1"}
	})
	user, pass, ok := c.LeafCredentials("cluster-1")
	if !ok || user != "cluster-1" || pass != "leaf-pw" {
		t.Fatalf("LeafCredentials = %q, %q, %v", user, pass, ok)
	}
	if _, _, ok := c.LeafCredentials("dev-1"); ok {
		t.Fatal("a device has leaf credentials")
	}
	u, err := url.Parse(c.LeafURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, pass)
	opts := &server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true}
	opts.LeafNode.Remotes = []*server.RemoteLeafOpts{{URLs: []*url.URL{u}}}
	leaf, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	leaf.Start()
	t.Cleanup(leaf.Shutdown)
	if !leaf.ReadyForConnections(10 * time.Second) {
		t.Fatal("leaf not ready")
	}
	nc, err := nats.Connect(leaf.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	b, _ := json.Marshal(event("via-leaf"))
	msg := &nats.Msg{Subject: "traffic.events.cam-1", Data: b, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, "via-leaf")
	waitFor(t, "a publish ack across the leaf node", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := js.PublishMsg(ctx, msg)
		return err == nil
	})
	waitFor(t, "the event at the center", func() bool { return c.Stats().EventsAccepted == 1 })

	noLeaf := startCenter(t, "", true, nil)
	if noLeaf.LeafURL() != "" {
		t.Fatalf("LeafURL without a listener = %q", noLeaf.LeafURL())
	}
}

package natsbox

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Account names.
const (
	DevicesAccount = "DEVICES"
	TruthAccount   = "TRUTH"
)

// User is a NATS user name and password.
type User struct {
	Name string
	Pass string
	// Subjects a device may publish on. Default (nil): every traffic.events.> subject. The
	// center gives a device only traffic.events.<camera> of its own cameras, so the subject a
	// message arrived on names the device that sent it.
	Subjects []string
}

// Config of the embedded server.
type Config struct {
	// StoreDir is the JetStream file store directory. Required.
	StoreDir string
	// Listen is host:port of the client listener. Default "127.0.0.1:0" (a free port).
	Listen string
	// Devices are the users of the DEVICES account: they may publish on traffic.events.> and
	// subscribe only to _INBOX.> (for JetStream publish acks).
	Devices []User
	// Truth are the publishers of the TRUTH account (the farm): publish truth.>, subscribe
	// _INBOX.>.
	Truth []User
	// CenterEvents and CenterTruth are the center's own users, with every right in the DEVICES
	// and TRUTH account respectively (stream and consumer management). Required.
	CenterEvents User
	CenterTruth  User
	// LeafListen is host:port of the leaf node listener, where regional clusters connect their
	// embedded servers as leaf nodes. Default "": no leaf node listener.
	LeafListen string
	// Leafs are the leaf node users (one per regional cluster) of the DEVICES account: like
	// Devices they may publish on traffic.events.> and receive only _INBOX.> (JetStream
	// publish acks), so a cluster can reach neither the streams' management API nor truth.
	Leafs []User
	// SyncAlways makes JetStream fsync every write. Default false: each write reaches the file
	// before the publish ack (safe against a killed process), fsync every 2 minutes.
	SyncAlways bool
	// ReadyTimeout bounds the wait for the server to accept connections. Default 10 s.
	ReadyTimeout time.Duration
}

// Box is a running embedded NATS server.
type Box struct {
	srv  *server.Server
	opts *server.Options // the server updates the ports chosen for port 0 here
}

var (
	safeName    = regexp.MustCompile(`^[A-Za-z0-9._@-]+$`)
	safeSubject = regexp.MustCompile(`^[A-Za-z0-9_@-]+(\.[A-Za-z0-9_@-]+)*$`) // no wildcards
)

// ConfigText renders the accounts and users of cfg in nats-server configuration syntax.
// Names and passwords must match [A-Za-z0-9._@-]+ so nothing needs quoting.
func ConfigText(cfg Config) (string, error) {
	var b strings.Builder
	seen := map[string]bool{}
	user := func(u User, perms string) error {
		if !safeName.MatchString(u.Name) {
			return fmt.Errorf("natsbox: user name %q: use only letters, digits and . _ @ -", u.Name)
		}
		if !safeName.MatchString(u.Pass) {
			return fmt.Errorf("natsbox: password of user %q: use only letters, digits and . _ @ -", u.Name)
		}
		if seen[u.Name] {
			return fmt.Errorf("natsbox: user %q given twice", u.Name)
		}
		seen[u.Name] = true
		fmt.Fprintf(&b, "      {user: %q, password: %q%s}\n", u.Name, u.Pass, perms)
		return nil
	}
	const devicePerms = `, permissions: {publish: {allow: ["traffic.events.>"]}, subscribe: {allow: ["_INBOX.>"]}}`
	const truthPerms = `, permissions: {publish: {allow: ["truth.>"]}, subscribe: {allow: ["_INBOX.>"]}}`
	b.WriteString("accounts {\n  " + DevicesAccount + " {\n    jetstream: enabled\n    users: [\n")
	if err := user(cfg.CenterEvents, ""); err != nil {
		return "", err
	}
	for _, u := range cfg.Devices {
		perms := devicePerms
		if u.Subjects != nil {
			var q []string
			for _, s := range u.Subjects {
				if !safeSubject.MatchString(s) {
					return "", fmt.Errorf("natsbox: subject %q of user %q: use only letters, digits and . _ @ -", s, u.Name)
				}
				q = append(q, strconv.Quote(s))
			}
			perms = `, permissions: {publish: {allow: [` + strings.Join(q, ", ") + `]}, subscribe: {allow: ["_INBOX.>"]}}`
		}
		if err := user(u, perms); err != nil {
			return "", err
		}
	}
	for _, u := range cfg.Leafs {
		if err := user(u, devicePerms); err != nil {
			return "", err
		}
	}
	b.WriteString("    ]\n  }\n  " + TruthAccount + " {\n    jetstream: enabled\n    users: [\n")
	if err := user(cfg.CenterTruth, ""); err != nil {
		return "", err
	}
	for _, u := range cfg.Truth {
		if err := user(u, truthPerms); err != nil {
			return "", err
		}
	}
	b.WriteString("    ]\n  }\n}\n")
	return b.String(), nil
}

// Start runs an embedded server with JetStream on a file store and waits until it is ready.
func Start(cfg Config) (*Box, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("natsbox: StoreDir is required")
	}
	text, err := ConfigText(cfg)
	if err != nil {
		return nil, err
	}
	opts := &server.Options{}
	if err := opts.ProcessConfigString(text); err != nil {
		return nil, fmt.Errorf("natsbox: config: %w", err)
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	host, p, err := splitListen("Listen", listen)
	if err != nil {
		return nil, err
	}
	opts.Host, opts.Port = host, p
	if cfg.LeafListen != "" {
		lh, lp, err := splitListen("LeafListen", cfg.LeafListen)
		if err != nil {
			return nil, err
		}
		opts.LeafNode.Host, opts.LeafNode.Port = lh, lp
		// Clusters keep dialling the URL they were given (a firewall or proxy in between):
		// the listener's own address is not advertised to them.
		opts.LeafNode.NoAdvertise = true
	}
	opts.JetStream = true
	opts.StoreDir = cfg.StoreDir
	opts.SyncAlways = cfg.SyncAlways
	opts.NoSigs = true
	opts.NoLog = true
	opts.HTTPPort = 0
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsbox: %w", err)
	}
	srv.Start()
	wait := cfg.ReadyTimeout
	if wait <= 0 {
		wait = 10 * time.Second
	}
	if !srv.ReadyForConnections(wait) {
		srv.Shutdown()
		return nil, fmt.Errorf("natsbox: server not ready after %v", wait)
	}
	return &Box{srv: srv, opts: opts}, nil
}

// splitListen splits host:port; port 0 becomes the server's random port.
func splitListen(field, listen string) (string, int, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", 0, fmt.Errorf("natsbox: %s %q: %w", field, listen, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("natsbox: %s %q: bad port", field, listen)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	return host, p, nil
}

// LeafURL is the URL a regional cluster's server dials as a leaf node
// (nats-leaf://127.0.0.1:port), "" without a leaf node listener.
func (b *Box) LeafURL() string {
	if b.opts.LeafNode.Port == 0 {
		return ""
	}
	return "nats-leaf://" + net.JoinHostPort(b.opts.LeafNode.Host, strconv.Itoa(b.opts.LeafNode.Port))
}

// URL is the client URL (nats://127.0.0.1:port).
func (b *Box) URL() string { return b.srv.ClientURL() }

// Server is the embedded server (for in-process connections: nats.InProcessServer).
func (b *Box) Server() *server.Server { return b.srv }

// Close shuts the server down and waits for it.
func (b *Box) Close() {
	b.srv.Shutdown()
	b.srv.WaitForShutdown()
}

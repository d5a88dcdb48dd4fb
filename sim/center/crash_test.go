package center

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/trafficsim/trafficsim/wire"
)

// The test binary doubles as a center process: with CENTER_CHILD_DIR set it runs a center on
// that directory, prints its URLs and serves until stdin closes.
func TestMain(m *testing.M) {
	if dir := os.Getenv("CENTER_CHILD_DIR"); dir != "" {
		os.Exit(runChild(dir))
	}
	os.Exit(m.Run())
}

func runChild(dir string) int {
	c, err := New(Config{DataDir: dir, Tokens: testTokens, TruthToken: testTruthToken})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	fmt.Println("READY", c.EventsURL(), c.NATSURL(), c.TruthURL())
	io.Copy(io.Discard, os.Stdin)
	if err := c.Close(); err != nil {
		return 1
	}
	return 0
}

type child struct {
	cmd              *exec.Cmd
	stdin            io.WriteCloser
	eventsURL, nURL  string
	truthURL         string
	waited, waitOnce sync.Once
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CENTER_CHILD_DIR="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- l
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		f := strings.Fields(l)
		if len(f) != 4 || f[0] != "READY" {
			t.Fatalf("child said %q", l)
		}
		return &child{cmd: cmd, stdin: stdin, eventsURL: f[1], nURL: f[2], truthURL: f[3]}
	case <-time.After(30 * time.Second):
		t.Fatal("child center did not start")
	}
	return nil
}

// TestSIGKILLLosesNoAcknowledgedEvent posts events over HTTP (single and arrays) and publishes
// over NATS JetStream concurrently, kills the center with SIGKILL in the middle, restarts it
// on the same directory, and checks that every event that got a 202 or a publish ack is held
// exactly once, and is reported as a duplicate when sent again; truth posted at the same time
// is kept the same way.
func TestSIGKILLLosesNoAcknowledgedEvent(t *testing.T) {
	dir := t.TempDir()
	ch := startChild(t, dir)

	var mu sync.Mutex
	acked := map[string]bool{}
	var httpN, natsN int
	ack := func(ids ...string) {
		mu.Lock()
		for _, id := range ids {
			if !acked[id] {
				acked[id] = true
				if strings.HasPrefix(id, "n-") {
					natsN++
				} else {
					httpN++
				}
			}
		}
		mu.Unlock()
	}
	enough := func() bool { mu.Lock(); defer mu.Unlock(); return httpN >= 1000 && natsN >= 1000 }

	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := 1 + (i%3)*10 // 1, 11 or 21 events per request
				evs := make([]wire.Event, n)
				ids := make([]string, n)
				for k := range evs {
					ids[k] = fmt.Sprintf("h%d-%d-%d", w, i, k)
					evs[k] = event(ids[k])
				}
				body := mustJSON(t, evs)
				if n == 1 {
					body = mustJSON(t, evs[0])
				}
				req, _ := http.NewRequest(http.MethodPost, ch.eventsURL+"/v1/events", strings.NewReader(string(body)))
				req.Header.Set("Authorization", "Bearer tok-1")
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return // the center is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					ack(ids...)
				}
			}
		})
	}
	var truthMu sync.Mutex
	truthAcked := map[string]bool{}
	wg.Go(func() { // truth over HTTP goes through the same log
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("v-%d", i)
			body := mustJSON(t, wire.Violation{ID: id, Type: wire.RedLight, Camera: "cam-1", Wall: t0})
			req, _ := http.NewRequest(http.MethodPost, ch.truthURL+"/v1/truth", strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+testTruthToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				truthMu.Lock()
				truthAcked[id] = true
				truthMu.Unlock()
			}
		}
	})
	nc, err := nats.Connect(ch.nURL, nats.UserInfo("dev-1", "tok-1"), nats.MaxReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(512))
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			id := fmt.Sprintf("n-%d", i)
			e := event(id)
			fut, err := js.PublishAsync(wire.EventSubject+".cam-1", mustJSON(t, e), jetstream.WithMsgID(id))
			if err != nil {
				return
			}
			go func() {
				select {
				case <-fut.Ok():
					ack(id)
				case <-fut.Err():
				case <-time.After(5 * time.Second):
				}
			}()
		}
	})

	deadline := time.Now().Add(20 * time.Second)
	for !enough() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := ch.cmd.Process.Kill(); err != nil { // SIGKILL, mid-ingest
		t.Fatal(err)
	}
	ch.cmd.Wait()
	close(stop)
	wg.Wait()
	time.Sleep(100 * time.Millisecond) // let in-flight ack goroutines settle
	mu.Lock()
	ids := make([]string, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	mu.Unlock()
	if len(ids) < 100 {
		t.Fatalf("only %d events acknowledged before the kill", len(ids))
	}
	nNATS := 0
	for _, id := range ids {
		if strings.HasPrefix(id, "n-") {
			nNATS++
		}
	}
	t.Logf("%d events acknowledged before SIGKILL (%d over HTTP, %d over NATS)", len(ids), len(ids)-nNATS, nNATS)
	if nNATS == 0 || nNATS == len(ids) {
		t.Fatal("want acknowledged events over both transports")
	}

	// Restarted in-process on the same directory: every acknowledged event is there, once.
	var s sink
	c := startCenter(t, dir, true, func(cfg *Config) { cfg.Scorer = s.scorer() })
	held := map[string]int{}
	s.mu.Lock()
	for _, e := range s.events {
		held[e.EventID]++
	}
	s.mu.Unlock()
	for id, n := range held {
		if n != 1 {
			t.Fatalf("event %s held %d times", id, n)
		}
	}
	var lost []string
	for _, id := range ids {
		if held[id] != 1 {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d acknowledged events lost, e.g. %v", len(lost), lost[:min(5, len(lost))])
	}
	truthHeld := map[string]int{}
	for _, v := range s.truth {
		truthHeld[v.ID]++
	}
	truthMu.Lock()
	defer truthMu.Unlock()
	if len(truthAcked) == 0 {
		t.Fatal("no truth acknowledged before the kill")
	}
	t.Logf("%d truth violations acknowledged before SIGKILL", len(truthAcked))
	for id := range truthAcked {
		if truthHeld[id] != 1 {
			t.Fatalf("acknowledged truth %s held %d times", id, truthHeld[id])
		}
	}
	// Sending the acknowledged HTTP events again gives duplicates only.
	var httpIDs []wire.Event
	for _, id := range ids {
		if strings.HasPrefix(id, "h") {
			httpIDs = append(httpIDs, event(id))
		}
	}
	code, body := post(t, c.EventsURL()+"/v1/events", "tok-1", "application/json", mustJSON(t, httpIDs))
	if want := fmt.Sprintf(`{"accepted":0,"duplicate":%d}`, len(httpIDs)); code != 202 || body != want {
		t.Fatalf("resend: %d %s, want %s", code, body, want)
	}
}

package devicetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Environment variables a device started by Command reads its Config from.
const (
	EnvCameras = "DEVICETEST_CAMERAS" // path of cameras.json
	EnvID      = "DEVICETEST_ID"      // device id
	EnvState   = "DEVICETEST_STATE"   // its state folder (edge queue), kept across restarts
)

// Command is a device run as a process (a vendor's box behind an adapter script, or
// 'trafficsim device'): Argv is started with EnvCameras, EnvID and EnvState set, its stdout and
// stderr are its log; Stop sends SIGTERM and waits (SIGKILL after StopTimeout), Kill sends
// SIGKILL. The process and everything it starts share a process group, signalled as a whole.
type Command struct {
	Argv []string // program and arguments; e.g. {"sh", "-c", "trafficsim device --cameras $DEVICETEST_CAMERAS ..."}
	Env  []string // added to the kit's environment
	// StopTimeout bounds the wait after SIGTERM. Default 10 s.
	StopTimeout time.Duration
}

// Shell is a Command that runs line with sh -c.
func Shell(line string) Command { return Command{Argv: []string{"sh", "-c", line}} }

// Start starts the process.
func (c Command) Start(ctx context.Context, cfg Config) (Running, error) {
	if len(c.Argv) == 0 {
		return nil, errors.New("devicetest: Command without a program")
	}
	cmd := exec.Command(c.Argv[0], c.Argv[1:]...)
	cmd.Env = append(append(os.Environ(), c.Env...), EnvCameras+"="+cfg.Cameras, EnvID+"="+cfg.ID, EnvState+"="+cfg.StateDir)
	cmd.Stdout, cmd.Stderr = cfg.Log, cfg.Log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("devicetest: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), stopTimeout: c.StopTimeout}
	if p.stopTimeout <= 0 {
		p.stopTimeout = 10 * time.Second
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

type process struct {
	cmd         *exec.Cmd
	done        chan struct{}
	err         error
	stopTimeout time.Duration
	once        sync.Once
	stopErr     error
}

func (p *process) signal(s syscall.Signal) { syscall.Kill(-p.cmd.Process.Pid, s) }

func (p *process) Stop() error {
	p.once.Do(func() {
		select {
		case <-p.done:
			p.stopErr = fmt.Errorf("the device process had already ended: %v", p.err)
			return
		default:
		}
		p.signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(p.stopTimeout):
			p.signal(syscall.SIGKILL)
			<-p.done
			p.stopErr = fmt.Errorf("the device process did not end within %v of SIGTERM (killed)", p.stopTimeout)
			return
		}
		var ee *exec.ExitError
		if p.err != nil && !(errors.As(p.err, &ee) && ee.Exited() && ee.ExitCode() == 0) {
			if errors.As(p.err, &ee) && !ee.Exited() {
				return // ended by the signal: an orderly stop for a process without a handler
			}
			p.stopErr = fmt.Errorf("the device process ended with %v after SIGTERM", p.err)
		}
	})
	return p.stopErr
}

func (p *process) Kill() error {
	p.once.Do(func() {
		p.signal(syscall.SIGKILL)
		<-p.done
	})
	return nil
}

// ChildMain runs d as the process a Command starts: its Config from EnvCameras, EnvID and
// EnvState, its log on stderr, until SIGTERM or SIGINT. It returns the exit code (a Go
// adapter's main, or a test binary started again as the device, call it).
func ChildMain(d Device) int {
	cfg := Config{Cameras: os.Getenv(EnvCameras), ID: os.Getenv(EnvID), StateDir: os.Getenv(EnvState), Log: os.Stderr}
	if cfg.Cameras == "" || cfg.ID == "" || cfg.StateDir == "" {
		fmt.Fprintf(os.Stderr, "devicetest: %s, %s and %s must be set\n", EnvCameras, EnvID, EnvState)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	r, err := d.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-ctx.Done()
	if err := r.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

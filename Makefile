# trafficsim: `make help` lists the targets.
SHELL := /bin/bash
# set-up starts Xvfb when there is no display and records which one it chose
export DISPLAY = $(shell cat /tmp/trafficsim-display 2>/dev/null)
GO ?= go
# Debian's libx264 is 2.7x faster than the bundled x264; use it when set-up installed it.
GOTAGS = $(shell pkg-config --exists x264 2>/dev/null && echo extlib,pkgconfig)
GOFLAGS_TAGS = -tags '$(GOTAGS)'

.PHONY: help setup demo test check bench bench-farm bench-farm-2500 bench-accuracy fuzz build bench-fresh

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

setup: ## install the Debian packages trafficsim needs and start Xvfb if there is no display
	@scripts/setup.sh

build: setup ## build bin/trafficsim
	$(GO) build $(GOFLAGS_TAGS) -o bin/trafficsim ./cmd/trafficsim

demo: build ## the main job end to end: 8 cameras of intersection-day for 2 minutes, scored
	bin/trafficsim run --scenario intersection-day --cameras 8 --duration 2m

test: setup ## run the test suite (what CI runs)
	$(GO) test $(GOFLAGS_TAGS) -shuffle=on -timeout 14m ./...

check: setup ## gofmt + go vet + tests with the race detector
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet $(GOFLAGS_TAGS) ./...
	$(GO) test $(GOFLAGS_TAGS) -race -shuffle=on -timeout 14m ./...

bench: setup ## benchmarks and long scenarios; figures go into BENCHMARKS.md
	$(GO) test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchmem -timeout 60m ./...
	$(MAKE) bench-accuracy

bench-farm: setup ## camera farm at scale: farm pinned to CPU 0, reader swarm to CPU 1 (docs/bench/farm.md)
	$(GO) test $(GOFLAGS_TAGS) -c -o bin/farm.test ./sim/farm
	TRAFFICSIM_BENCH_FARM=1000x2000,2500x500 TRAFFICSIM_BENCH_SWARM_CPUS=1 taskset -c 0 bin/farm.test -test.run '^$$' -test.bench FarmScale -test.benchtime 1x -test.v

# Accuracy clips: each shipped scenario for ACC_DURATION (default 5m; the ANPR pair for
# ACC_ANPR_DURATION, default 3m, at 6 Mbit/s), made once into .cache/accuracy.
ACC_SCENARIOS ?= intersection-day intersection-night-rain arterial expressway intersection-anpr intersection-anpr-night
bench-accuracy: build ## accuracy of the reference device per violation type on each shipped scenario (docs/bench/device.md)
	@for s in $(ACC_SCENARIOS); do \
	  case $$s in *anpr*) o="--duration $${ACC_ANPR_DURATION:-3m} --bitrate 6000";; *) o="--duration $${ACC_DURATION:-5m}";; esac; \
	  bin/trafficsim synth --scenario $$s $$o --library .cache/accuracy/$$s >/dev/null || exit 1; \
	  echo "== $$s"; TRAFFICSIM_CLIPS=$(CURDIR)/.cache/accuracy/$$s $(GO) test $(GOFLAGS_TAGS) ./sim/device/ ./sim/device/detect/ -run '^$$' -bench 'Accuracy|PlateReading' -benchtime 1x -v | grep -v '^\(goos\|goarch\|pkg\|cpu\|PASS\|ok\)' || exit 1; \
	done

fuzz: setup ## run every fuzz target for FUZZTIME each (default 20s)
	@for p in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$(grep -h '^func Fuzz' $$p/*_test.go | sed 's/func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
	    echo "== $$p $$f"; $(GO) test $(GOFLAGS_TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-20s} $$p || exit 1; \
	  done; \
	done

bench-fresh: build setup ## accuracy of the reference device on seeds drawn now (printed), per type and condition (docs/bench/device.md)
	@scripts/bench-fresh.sh

knee: build ## ramp the reference device to its knee (examples/plans/knee.yaml; exit 99 when it breaks)
	bin/trafficsim load examples/plans/knee.yaml --summary-export runs/knee.json

readers: build ## ramp probe readers on the farm until lateness breaks (examples/plans/readers.yaml; exit 99 when it breaks)
	bin/trafficsim load examples/plans/readers.yaml --summary-export runs/readers.json

bench-shards: setup ## a sharded load run: 4 shard processes in network namespaces, thresholds judged at the coordinator (docs/bench/scale.md; root)
	TRAFFICSIM_BENCH_SHARDS=$${SHARDS:-4x400x60s} $(GO) test $(GOFLAGS_TAGS) ./cmd/trafficsim -run '^TestShardedLoadBench$$' -count=1 -timeout 40m -v

bench-farm-2500: setup ## the farm's second target, 2,500 x 0.5 Mbps in real time, both paths, farm CPU profile in bin/farm-2500.cpu.prof (docs/bench/farm.md)
	$(GO) test $(GOFLAGS_TAGS) -c -o bin/farm.test ./sim/farm
	TRAFFICSIM_BENCH_FARM=2500x500 TRAFFICSIM_BENCH_SECONDS=20 TRAFFICSIM_BENCH_SWARM_CPUS=1 taskset -c 0 bin/farm.test -test.run '^$$' -test.bench FarmScale -test.benchtime 1x -test.v -test.cpuprofile bin/farm-2500.cpu.prof

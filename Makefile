# Kestrel: `make demo` (install what is missing, build release, run the apps on their shipped defaults),
# `make test` (build with the import check, lint, run all tests), `make bench` (benchmarks beside the
# PyTorch/numpy references, same machine, same run).

SWIFT       ?= swift
CHECK        = --explicit-target-dependency-import-check=error
RELEASE_BIN  = .build/release
REF         ?= Benchmarks/reference
VENV        ?= .venv-ref
PYTHON      ?= python3

# Data folders: $KESTREL_DATA when set, else the workspace's shared datasets when they are there.
ifneq ($(wildcard ../shared/datasets),)
export KESTREL_DATA ?= $(abspath ../shared/datasets)
endif

.PHONY: all deps build release demo web test lint format bench bench-venv bench-web equal-time equal-time-w6 bench-scaling test-netns fuzz clean

all: build

deps:
	@.ci/install-deps.sh

build: deps
	$(SWIFT) build $(CHECK)

release: deps
	$(SWIFT) build -c release $(CHECK)

DEMO_DB      = .data/recommend.sqlite

# kestrel-web on http://127.0.0.1:8080/ over the shipped models (and the demo's MovieLens database once made).
web: release
	$(RELEASE_BIN)/kestrel-web $(if $(wildcard $(DEMO_DB)),--db $(DEMO_DB))

demo: release
	@mkdir -p .data
	@echo "== Engine library example (Sources/Apps/kestrel-example): an MLP learns two spirals"
	$(RELEASE_BIN)/kestrel-example
	@echo "== classify: EfficientNet-Lite0 on the sample photos, and the MNIST model on a photo of a digit"
	$(RELEASE_BIN)/classify assets/samples/chelsea.png assets/samples/coffee.png
	$(RELEASE_BIN)/classify --model mnist --top 3 assets/samples/digit-7.png
	@echo "== textgen: the shipped Chinese GPT continues a prime (streamed), then the Shakespeare model"
	$(RELEASE_BIN)/textgen --prime "深度学习" --length 200 --seed 1
	$(RELEASE_BIN)/textgen --model shakespeare --prime "ROMEO:" --length 300 --seed 1
	@echo "== translate: the shipped English→Chinese Transformer (beam search), and its attention map"
	$(RELEASE_BIN)/translate "In the beginning God created the heavens and the earth." "The Lord is my shepherd."
	$(RELEASE_BIN)/translate --attention .data/translate-attention.png "God said, let there be light."
	@echo "== gan: 64 digits from the shipped MNIST generator, and a latent interpolation"
	$(RELEASE_BIN)/gan sample --n 64 --seed 1 --out .data/gan-samples.png
	$(RELEASE_BIN)/gan interpolate --from-seed 3 --to-seed 8 --steps 10 --spherical --out .data/gan-interpolation.png
	@echo "== rl-drive: the shipped agent drives 3 laps (headless here; --render opens a window)"
	$(RELEASE_BIN)/rl-drive --track assets/tracks/kidney.track
	$(RELEASE_BIN)/rl-drive train --env gridworld --algo value-iteration
	@echo "== recommend: MovieLens-100k (fetched, never committed), SGD matrix factorisation, user 42"
	.ci/fetch-movielens.sh .data/ml-100k
	$(RELEASE_BIN)/recommend import movielens .data/ml-100k --db $(DEMO_DB)
	$(RELEASE_BIN)/recommend train --db $(DEMO_DB)
	$(RELEASE_BIN)/recommend --user 42 --db $(DEMO_DB)
	$(RELEASE_BIN)/recommend similar --item 50 --n 5 --db $(DEMO_DB)
	@echo "== Benchmark tool (make bench runs it beside PyTorch):"
	$(RELEASE_BIN)/kestrel-bench --help | head -n 12

# Engine and Datasets are libraries: every public declaration is documented (.swift-format-public-docs).
lint: deps
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Package.swift Sources Tests
	$(SWIFT) format lint --strict --recursive --configuration .swift-format-public-docs Sources/Engine Sources/Datasets

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Package.swift Sources Tests

test: lint
	@KESTREL_WITH_XVFB=1 .ci/install-deps.sh
	$(SWIFT) build --build-tests $(CHECK)
	$(SWIFT) test --skip-build
	@KESTREL_WITH_CHROMIUM=1 .ci/install-deps.sh || echo "kestrel: chromium cannot be installed here; the browser test is skipped"
	Tests/E2E/run-web-e2e.sh .build/debug

# The reference scripts (Benchmarks/reference, ours) need torch, threadpoolctl, gymnasium, … in a venv (see its README).
bench-venv:
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(VENV)
	@$(VENV)/bin/python -c "import torch, threadpoolctl, gymnasium, surprise, implicit, pandas, safetensors, PIL, sacrebleu" 2>/dev/null || \
	  $(VENV)/bin/pip install torch threadpoolctl gymnasium scikit-surprise implicit pandas safetensors pillow sacrebleu

bench: release bench-venv bench-web
	$(VENV)/bin/python Benchmarks/run_bench.py --ref $(REF) --bin $(RELEASE_BIN) --out BENCHMARKS.md

# kestrel-web under load: wrk, 64 connections, 30 s on /api/classify and /api/recommend (Benchmarks/web-results.md).
bench-web: release
	@KESTREL_WITH_WRK=1 .ci/install-deps.sh
	$(PYTHON) Benchmarks/web_load.py --bin $(RELEASE_BIN) --out Benchmarks/web-results.md

# libFuzzer targets for every parser (Tests/Fuzz): address sanitizer and coverage instrumentation, libFuzzer's
# driver from the toolchain's clang runtime. FUZZ_SECONDS per target; RUNS=1000000 runs a fixed count instead.
FUZZ_SECONDS ?= 60
FUZZER_LIB = $(shell find $(dir $(shell command -v swiftc))../lib/clang -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -1)
FUZZ_FLAGS = -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
  -Xswiftc -DKESTREL_FUZZ -Xlinker -u -Xlinker LLVMFuzzerRunDriver -Xlinker --export-dynamic \
  -Xlinker $(FUZZER_LIB) -Xlinker -lstdc++
fuzz: deps
	$(SWIFT) build --product kestrel-fuzz --scratch-path .build/fuzz $(FUZZ_FLAGS)
	Tests/Fuzz/run.sh $(FUZZ_SECONDS)

# Data-parallel scaling (2 ranks vs 1, W3/W5/W6 shapes) and allreduce bandwidth between two network namespaces.
bench-scaling: release
	$(PYTHON) Benchmarks/scaling.py --bin $(RELEASE_BIN)

# The 2-rank equivalence test across two network namespaces (TCP), on its own.
test-netns: build
	$(SWIFT) test --filter DataParallelTests.testTwoRanksInTwoNetworkNamespacesEqualOneProcess

# textgen equal-time comparison: W5 config on Shakespeare, 10 minutes in PyTorch and in Kestrel side by side.
equal-time: release bench-venv
	$(VENV)/bin/python Benchmarks/equal_time_w5.py --budget 600 --out-dir Benchmarks/results/equal-time

# translate equal-time comparison: the same Transformer on the same Bible token ids, 10 minutes each side by side.
equal-time-w6: release bench-venv
	$(VENV)/bin/python Benchmarks/equal_time_w6.py --budget 600 --out-dir Benchmarks/results/equal-time-w6

clean:
	rm -rf .build

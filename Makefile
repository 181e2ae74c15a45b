# SPDX-License-Identifier: GPL-2.0
# async_submit(2) series: build, test and export.  See README.md.
# Everything lands in build/ (gitignored) and is incremental.

.PHONY: all check run bench series checkpatch apply kernel-test kernel-run kernel-bench deps base help

all: help

help:
	@echo "make check       build the debug kernel + selftests, boot, run all tests (CI)"
	@echo "make run         build the run kernel, boot it, run the async_chain_demo"
	@echo "make bench       build the bench kernel, boot it, run bench/async_bench, write docs/benchmarks.md"
	@echo "make series      export series/ to build/series/*.patch and check git am"
	@echo "make checkpatch  scripts/checkpatch.pl --strict on every patch"
	@echo "make apply       export + check out the result in build/linux"
	@echo "make kernel-{test,run,bench}  just build that config's kernel"

deps:
	@harness/install-deps.sh
base: deps
	@harness/fetch-base.sh

check:
	@harness/check.sh
run:
	@harness/run.sh
bench:
	@harness/bench.sh
series: base
	@harness/series.sh export
checkpatch: base
	@harness/series.sh checkpatch
apply: base
	@harness/series.sh apply
kernel-test kernel-run kernel-bench: apply
	@harness/build.sh $(patsubst kernel-%,%,$@)

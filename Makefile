# SPDX-License-Identifier: MIT
#
# vsvm: the one entry point. `make test` and `make run` do all set-up from a
# fresh clone (Debian bookworm, root or sudo); see README.md.

BUILD ?= $(CURDIR)/build
JOBS ?= $(shell nproc)
CMAKE_BUILD_TYPE ?= RelWithDebInfo
export VSVM_BUILD := $(BUILD)

.PHONY: all help test run build deps kernel umd igt docs module-check fuzz-asm fuzz fuzz-cc soak vm bench dkms-deb clean

all: build

help:
	@echo "make test     build everything and run every test (host + guest); ends with the totals line"
	@echo "make run      build what is missing, boot the guest and run the demo"
	@echo "              (Debian's kernel unless the self-built one is cached; KERNEL=self forces it)"
	@echo "make build    kernel (with vsvm in-tree), UMD and IGT tests"
	@echo "make kernel   only the guest kernel and its modules (KERNEL_FLAVOUR=debug)"
	@echo "make vm CMD='...'  run a command as root in a fresh guest"
	@echo "make module-check  checkpatch --strict and sparse over driver/"
	@echo "make docs     the documentation (docs/, Sphinx) as HTML in $(BUILD)/docs/html; warnings are errors"
	@echo "make bench    benchmarks B1-B9 in one guest of the release kernel (docs/benchmarks.rst);"
	@echo "              writes $(BUILD)/bench/results.{json,md,png} and prints the table"
	@echo "make bench-corpus  the corpus kernels' host times: C++, PoCL, lavapipe, the emulator (informational);"
	@echo "              writes $(BUILD)/bench/corpus.md [DEVICE_TIMES=file of guest TIME lines]"
	@echo "make fuzz-asm FUZZ_TIME=600  fuzz the assembler/disassembler (clang, libFuzzer)"
	@echo "make fuzz DURATION=10m [COUNT=N] [SEED=S]  hostile ioctl input in a guest (vsvm-fuzz)"
	@echo "make soak DURATION=10m [SEED=S]  address-space changes racing the device in a guest (vsvm-soak)"
	@echo "make fuzz-cc DURATION=10m [SEED=S]  generated OpenCL C kernels: vsvm compiler + emulator vs PoCL"
	@echo "make conformance  piglit's OpenCL tests, all of them, on PoCL and on vsvm (emulator, and the device"
	@echo "              in a guest); writes docs/piglit-cl.md"
	@echo "make dkms-deb the vsvm-dkms Debian package (DKMS builds vsvm.ko for installed 6.12 kernels)"
	@echo "make clean    remove $(BUILD) (the kernel cache outside the clone stays)"

test:
	@tools/test.sh

run:
	@KERNEL=$(KERNEL) tools/run.sh

deps:
	@tools/deps.sh

build: kernel umd igt

kernel: deps
	@tools/vm/build-kernel.sh $(KERNEL_FLAVOUR)

# Both compile through ccache when it is installed (tools/cmake-build.sh);
# the IGT tests keep absolute paths, for the file names they print.
umd: deps
	@JOBS=$(JOBS) tools/cmake-build.sh umd $(BUILD)/umd -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE)

igt: deps umd
	@JOBS=$(JOBS) tools/cmake-build.sh --absolute-paths igt-tests $(BUILD)/igt \
		-DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE) -DVSVM_AS=$(BUILD)/umd/bin/vsvm-as

fuzz-asm: deps
	@FUZZ_TIME=$(or $(FUZZ_TIME),600) tools/fuzz-asm.sh

fuzz: kernel umd
	@DURATION=$(or $(DURATION),10m) COUNT=$(COUNT) SEED=$(SEED) tools/stress.sh fuzz

fuzz-cc: umd
	@DURATION=$(or $(DURATION),10m) SEED=$(SEED) tools/fuzz-cc.sh

soak: kernel umd
	@DURATION=$(or $(DURATION),10m) SEED=$(SEED) tools/stress.sh soak

bench: deps umd
	@tools/bench.sh

.PHONY: conformance
conformance: kernel umd
	@tools/conformance.sh

.PHONY: bench-corpus
bench-corpus: deps umd
	@DEVICE_TIMES="$(DEVICE_TIMES)" tools/bench-corpus.sh

vm:
	@tools/vm/run-vm.sh --show --results $(BUILD)/vm -- $(CMD)

# -E: every page is read on every build, so that a warning of a page that did
# not change is reported again instead of passing silently.
docs: deps
	@sphinx-build -E -W --keep-going -b html docs $(BUILD)/docs/html

module-check: kernel
	@tools/module-check.sh

dkms-deb: deps
	@tools/dkms-deb.sh

clean:
	rm -rf $(BUILD)

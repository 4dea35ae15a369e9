// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The few facts of the kernel's HMM test driver (lib/test_hmm.ko, device
// files /dev/hmm_dmirror<N>) that the benchmark needs: its read command and
// the argument it takes. Declared here from the interface's documented
// layout; the kernel does not install a header for it.
#pragma once

#include <cstdint>
#include <sys/ioctl.h>

namespace vsvm::bench {

// The argument of every dmirror command: the device reads npages pages at
// addr through its own mirror (faulting them with hmm_range_fault() as
// needed) and copies them to the buffer at ptr. cpages and faults are
// outputs: pages copied and device faults taken.
struct HmmDmirrorCmd {
    uint64_t addr;
    uint64_t ptr;
    uint64_t npages;
    uint64_t cpages;
    uint64_t faults;
};

inline constexpr unsigned long kHmmDmirrorRead = _IOWR('H', 0x00, HmmDmirrorCmd);

} // namespace vsvm::bench

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "vsvm/status.h"
#include "vsvm_isa.h"

/**
 * Host emulator of the vsvm compute ISA (library vsvm_emu).
 *
 * It runs a dispatch with the kernel driver's own interpreter
 * (driver/vsvm_isa.c and vsvm_isa_fp.c, compiled as user-space C against a
 * small shim of kernel APIs), so that the emulator and the device cannot
 * disagree about what an instruction does: there is one interpreter.
 *
 * Memory is the calling process's: a pointer in a kernel argument or in the
 * data is a host pointer, as with the device's shared virtual memory. Before
 * every access the emulator checks the address against the ranges the caller
 * declared (HostRange), so a wild pointer ends the dispatch with
 * Outcome::Fault and its address and pc, as the device reports it, rather
 * than crashing the process. Loads and stores are single-copy atomic per
 * lane, atomics are __atomic builtins (atomic against other workgroups' threads
 * and the CPU).
 *
 * Workgroups run one after the other, or spread over RunOptions::threads
 * threads (each with its own interpreter state); the waves of a workgroup run
 * on one thread and meet at s_barrier, as on one engine.
 *
 * Thread safety: run() may be called from any number of threads at once.
 */
namespace vsvm::emu {

enum class Access : std::uint8_t {
    ReadOnly,  ///< loads only; a store or atomic is a fault
    ReadWrite, ///< loads, stores and atomics
};

/// Host memory the kernel may access: [base, base + size).
struct HostRange {
    const void* base = nullptr;
    std::size_t size = 0;
    Access access = Access::ReadWrite;
};

/// What drm_vsvm_dispatch says, with the program as host words.
struct Launch {
    /// The program; fetched from this host buffer (code_ptr = program.data()).
    std::span<const std::uint64_t> program = {};
    /// Byte offset of the first instruction.
    std::uint32_t entry = 0;
    /// The version the program is decoded as (1 or 2, drm_vsvm_dispatch.isa_version).
    std::uint32_t isaVersion = VSVM_ISA_VERSION;
    std::array<std::uint32_t, 3> groupSize{1, 1, 1};
    std::array<std::uint32_t, 3> numGroups{1, 1, 1};
    /// s0..s15 when the waves start; at most VSVM_ISA_MAX_ARGS.
    std::span<const std::uint64_t> args = {};
};

struct RunOptions {
    /// Threads that run workgroups (1: in the calling thread).
    unsigned threads = 1;
    /// Stop the dispatch (Outcome::Timeout) once its workgroups executed
    /// more wave instructions than this, counted about every 256; 0: never.
    std::uint64_t maxInstructions = 0;
};

enum class Outcome : std::uint8_t {
    Ok,      ///< every wave of every workgroup ended with s_endpgm
    Fault,   ///< an access outside the declared ranges (or a write to a read-only one)
    Invalid, ///< an invalid instruction, operand, branch, pc or alignment (error says which)
    Timeout, ///< RunOptions::maxInstructions reached
};

/// How a dispatch ended; for a failure, the first failing workgroup's details.
struct RunResult {
    Outcome status = Outcome::Ok;
    /// Outcome::Invalid: why (enum vsvm_isa_error).
    int error = VSVM_ISA_ERR_NONE;
    /// Fault, Invalid, Timeout: byte offset of the instruction.
    std::uint64_t pc = 0;
    /// Fault; Invalid with VSVM_ISA_ERR_ALIGN (and ERR_LDS in v2): the address.
    std::uint64_t faultAddr = 0;
    /// Fault: the access was a write (a store or an atomic).
    bool faultWrite = false;
    /// Fault, Invalid, Timeout: the workgroup where it happened.
    std::array<std::uint32_t, 3> group{0, 0, 0};
    /// Wave instructions executed, over all workgroups.
    std::uint64_t instructions = 0;

    bool ok() const { return status == Outcome::Ok; }
    /// "ok", "fault: write at 0x1000, pc 0x18, group (1, 0, 0)", ...
    std::string describe() const;
};

/// "ok", "fault", "invalid", "timeout".
const char* outcomeName(Outcome outcome);

/// The name of an enum vsvm_isa_error value ("opcode", "align", ...).
const char* errorName(int error);

/**
 * Run @p launch over host memory. A launch the driver would refuse (no or
 * too many lanes in a workgroup, no workgroups, an empty or oversized
 * program, an entry outside it, too many arguments, an ISA version outside
 * 1..VSVM_ISA_VERSION) is an EINVAL Status that says what is wrong; out of
 * memory or thread creation failure is ENOMEM/EAGAIN. Otherwise the result
 * says how the dispatch ended.
 */
Result<RunResult> run(const Launch& launch, std::span<const HostRange> ranges, const RunOptions& options = {});

} // namespace vsvm::emu

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/kernel.h"
#include "vsvm/status.h"
#include "vsvm/vm.h"
#include "vsvm_drm.h"

namespace vsvm {

namespace detail {
class QueueBase;
}

/// How a job ended (drm_vsvm_wait.status).
enum class JobStatus {
    Ok,            ///< DRM_VSVM_JOB_OK
    Fault,         ///< a fatal page fault: faultAddress, faultAccess (and pc) say where
    Retries,       ///< faults kept colliding with invalidations
    NoProcess,     ///< the VM's process went away
    OutOfMemory,   ///< no memory for page tables or fault bookkeeping
    InvalidProgram,///< isaError and pc say what and where
    Timeout,       ///< ran past the device's job timeout; pc says where
    Canceled,      ///< an in-fence signalled an error, the job did not run
    Unknown,       ///< a status this UMD does not know (a newer kernel)
};

std::string_view toString(JobStatus status);

/// The access of a fatal fault (drm_vsvm_wait.fault_access).
enum class Access { None, Read, Write };

std::string_view toString(Access access);

/// The outcome of a job that ended, whatever it was.
struct JobResult {
    JobStatus status = JobStatus::Unknown;
    uint32_t rawStatus = 0;       ///< drm_vsvm_wait.status as the kernel said it
    uint64_t faultAddress = 0;
    Access faultAccess = Access::None;
    uint64_t pc = 0;              ///< byte offset in the program (compute)
    uint32_t commandIndex = 0;    ///< the command or dispatch that failed
    vsvm_isa_error isaError = VSVM_ISA_ERR_NONE;

    bool ok() const { return status == JobStatus::Ok; }

    /// One line for a person: "ok", "fault: write at 0x1000 (pc 0x18, command 0)".
    std::string describe() const;
};

/**
 * A submitted job: wait for it, or make later jobs depend on it. Owns the
 * job's out-syncobj (destroyed with the Fence; jobs that already depend on
 * it keep its fence). Move-only. The Vm must outlive it.
 */
class Fence {
public:
    static constexpr std::chrono::nanoseconds kForever = std::chrono::nanoseconds::max();

    ~Fence();
    Fence(Fence&& other) noexcept;
    Fence& operator=(Fence&& other) noexcept;
    Fence(const Fence&) = delete;
    Fence& operator=(const Fence&) = delete;

    /// Waits up to @p timeout (0 polls) for the job to end and returns its
    /// outcome. A job that ended badly is a JobResult, not an error; the
    /// errors are ETIME (still running at the timeout), EINTR, ENOENT (the
    /// job's status is no longer kept).
    Result<JobResult> wait(std::chrono::nanoseconds timeout = kForever) const;

    uint64_t jobId() const { return jobId_; }
    /// The out-syncobj whose fence signals when the job ends.
    uint32_t syncobj() const { return syncobj_; }

private:
    friend class detail::QueueBase;
    Fence(detail::VmRef vm, uint32_t syncobj, uint64_t jobId)
        : vm_(vm), syncobj_(syncobj), jobId_(jobId)
    {
    }
    void release() noexcept;

    detail::VmRef vm_;
    uint32_t syncobj_ = 0;
    uint64_t jobId_ = 0;
};

/// Jobs a submission waits for: `{fenceA, fenceB}`.
using Dependencies = std::vector<std::reference_wrapper<const Fence>>;

/// A size in x, y, z; what is left out is 1.
struct Dim3 {
    uint32_t x = 1;
    uint32_t y = 1;
    uint32_t z = 1;
};

namespace detail {
/// Submission shared by both engines; see CopyQueue and ComputeQueue.
class QueueBase {
protected:
    explicit QueueBase(VmRef vm) : vm_(vm) {}

    /// One DRM_IOCTL_VSVM_EXEC of @p count commands at @p commands, with a
    /// new out-syncobj and @p after as in-syncobjs.
    Result<Fence> submit(uint32_t engine, const void* commands, std::size_t count,
                         const Dependencies& after) const;

    VmRef vm_;
};
} // namespace detail

/// One copy-engine command (struct drm_vsvm_cmd; docs in the uapi header).
struct CopyCommand {
    static CopyCommand copy(void* dst, const void* src, std::size_t size);
    /// Byte i of [dst, dst + size) becomes byte (i % 8) of little-endian @p pattern.
    static CopyCommand fill(void* dst, uint64_t pattern, std::size_t size);
    /// The 64-bit FNV-1a of [src, src + size) goes to *result.
    static CopyCommand checksum(const void* src, std::size_t size, uint64_t* result);

    drm_vsvm_cmd cmd{};
};

/// The copy engine of a VM. Jobs of one queue run in submission order.
class CopyQueue : private detail::QueueBase {
public:
    explicit CopyQueue(const Vm& vm) : detail::QueueBase(vm.ref()) {}

    /// One job of @p commands, run in order.
    Result<Fence> submit(std::span<const CopyCommand> commands, const Dependencies& after = {}) const;

    Result<Fence> copy(void* dst, const void* src, std::size_t size,
                       const Dependencies& after = {}) const;
    Result<Fence> fill(void* dst, uint64_t pattern, std::size_t size,
                       const Dependencies& after = {}) const;
    Result<Fence> checksum(const void* src, std::size_t size, uint64_t* result,
                           const Dependencies& after = {}) const;
};

/// One run of a kernel over a grid of workgroups.
struct Dispatch {
    const Kernel* kernel = nullptr;
    Dim3 groups;   ///< workgroups in x, y, z
    Dim3 lanes;    ///< lanes per workgroup in x, y, z
    KernelArgs args;
};

/// The compute engines of a VM. Jobs of one queue run in submission order.
class ComputeQueue : private detail::QueueBase {
public:
    explicit ComputeQueue(const Vm& vm) : detail::QueueBase(vm.ref()) {}

    /// Runs @p kernel on @p groups workgroups of @p lanes lanes each, with
    /// @p args in s0.. (pointers, integers, floats; see KernelArgs).
    template <KernelArg... Args>
    Result<Fence> launch(const Kernel& kernel, Dim3 groups, Dim3 lanes, Args... args) const
    {
        return submit({{&kernel, groups, lanes, KernelArgs(args...)}});
    }

    /// launch() that starts once the jobs of @p after have ended.
    template <KernelArg... Args>
    Result<Fence> launchAfter(const Dependencies& after, const Kernel& kernel, Dim3 groups,
                              Dim3 lanes, Args... args) const
    {
        return submit({{&kernel, groups, lanes, KernelArgs(args...)}}, after);
    }

    /// One job of @p dispatches, each starting when the previous one ended.
    Result<Fence> submit(std::span<const Dispatch> dispatches, const Dependencies& after = {}) const;
    Result<Fence> submit(std::initializer_list<Dispatch> dispatches,
                         const Dependencies& after = {}) const
    {
        return submit(std::span<const Dispatch>(dispatches.begin(), dispatches.size()), after);
    }
};

} // namespace vsvm

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/fence.h"
#include "vsvm/kernel.h"
#include "vsvm/status.h"
#include "vsvm/vm.h"
#include "vsvm_drm.h"

namespace vsvm {

// Thread safety: Dim3, CopyCommand, Dispatch and SplitOptions are values;
// checkGrid() is a pure function; the queues say it below.

/// A size in x, y, z; what is left out is 1.
struct Dim3 {
    uint32_t x = 1;
    uint32_t y = 1;
    uint32_t z = 1;
};

/**
 * Whether a dispatch of @p groups workgroups of @p lanes lanes is within the
 * device's limits: every size at least 1, each grid dimension at most
 * DRM_VSVM_MAX_GROUPS, at most VSVM_ISA_MAX_GROUP_LANES lanes per workgroup.
 * EINVAL saying which limit otherwise. Launches check it; tools can check
 * their input with it before they open a device.
 */
Status checkGrid(Dim3 groups, Dim3 lanes);

namespace detail {
struct QueueState;

/// Submission shared by both engines; see CopyQueue and ComputeQueue.
class QueueBase {
public:
    /**
     * Waits for every job submitted through this queue since the last
     * finish() (whether or not their Fences still exist) and returns the
     * first that did not end OK as a failed Status (Fence::waitOk()); ETIME
     * when a job still runs at @p timeout (the jobs not yet waited for stay
     * for the next finish()).
     */
    Status finish(std::chrono::nanoseconds timeout = Fence::kForever) const;

    /// False for a moved-from queue.
    bool valid() const { return state_ != nullptr; }

protected:
    QueueBase(const Vm& vm, uint32_t engine);
    ~QueueBase();
    QueueBase(QueueBase&&) noexcept;
    QueueBase& operator=(QueueBase&&) noexcept;

    /// One DRM_IOCTL_VSVM_EXEC of @p count commands at @p commands, with a
    /// new out-syncobj and @p after as in-syncobjs.
    Result<Fence> submit(const void* commands, std::size_t count, const Dependencies& after) const;

    std::shared_ptr<QueueState> state_;
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

/**
 * The copy engine of a VM. Jobs of one VM and engine run in submission order.
 * Move-only; a moved-from queue fails every call with EBADF, and a queue
 * whose Vm was destroyed fails submissions with ENOENT.
 *
 * Thread safety: the const functions may be called from any number of
 * threads at once; moving and destroying need exclusive access.
 */
class CopyQueue : private detail::QueueBase {
public:
    explicit CopyQueue(const Vm& vm) : detail::QueueBase(vm, DRM_VSVM_ENGINE_COPY) {}

    using detail::QueueBase::finish;
    using detail::QueueBase::valid;

    /// One job of @p commands, run in order. Sizes above DRM_VSVM_CMD_MAX_SIZE
    /// and misaligned checksum results fail with EINVAL before any ioctl.
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

/// How ComputeQueue::dispatchSplit() cuts and runs a grid.
struct SplitOptions {
    /// Workgroups in x per job, at least 1: few enough that a job ends well
    /// within the device's job timeout (job_timeout_ms, 10 s by default).
    uint32_t maxGroups = 0;
    /// Run the whole grid this many times, one pass after the other.
    uint32_t iterations = 1;
    /// Jobs submitted and not yet waited for, at most.
    std::size_t inFlight = 16;
    /// Give up when one job still runs after this long (ETIME; it and the
    /// jobs after it are left running).
    std::chrono::nanoseconds jobTimeout = Fence::kForever;
    /// Called with (jobs ended, jobs in all) as each job ends OK.
    std::function<void(uint64_t done, uint64_t total)> progress{};
    /// When positive, progress is also called this often while a job runs.
    std::chrono::nanoseconds progressInterval{0};
};

/// The arguments of the job that runs workgroups [first, first + count) in x.
using SplitArgs = std::function<KernelArgs(uint32_t first, uint32_t count)>;

/**
 * The compute engines of a VM. Jobs of one VM and engine run in submission
 * order. Launches check, before any ioctl, the grid (checkGrid()) and the
 * arguments against the kernel's signature (Kernel::checkArgs()).
 * Move-only; a moved-from queue fails every call with EBADF, and a queue
 * whose Vm was destroyed fails submissions with ENOENT.
 *
 * Thread safety: the const functions may be called from any number of
 * threads at once; moving and destroying need exclusive access.
 */
class ComputeQueue : private detail::QueueBase {
public:
    explicit ComputeQueue(const Vm& vm) : detail::QueueBase(vm, DRM_VSVM_ENGINE_COMPUTE) {}

    using detail::QueueBase::finish;
    using detail::QueueBase::valid;

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

    /// launch() of a TypedKernel: the number and the types of @p args are
    /// checked when the call compiles (TypedKernel says how).
    template <KernelArg... Params, KernelArg... Args>
    Result<Fence> launch(const TypedKernel<Params...>& kernel, Dim3 groups, Dim3 lanes, Args... args) const
    {
        return launchAfter({}, kernel, groups, lanes, args...);
    }

    template <KernelArg... Params, KernelArg... Args>
    Result<Fence> launchAfter(const Dependencies& after, const TypedKernel<Params...>& kernel, Dim3 groups,
                              Dim3 lanes, Args... args) const
    {
        // The checks' static_asserts are the compiler's message; the call is
        // compiled only when they hold, so that no other error follows them.
        if constexpr (detail::checkTypedArgs<TypeList<Params...>, TypeList<Args...>>())
            return launchAfter(after, kernel.kernel(), groups, lanes, static_cast<Params>(args)...);
        else
            return Status::error(EINVAL, "launch() of a TypedKernel with arguments that do not fit");
    }

    /// One job of @p dispatches, each starting when the previous one ended.
    Result<Fence> submit(std::span<const Dispatch> dispatches, const Dependencies& after = {}) const;
    Result<Fence> submit(std::initializer_list<Dispatch> dispatches,
                         const Dependencies& after = {}) const
    {
        return submit(std::span<const Dispatch>(dispatches.begin(), dispatches.size()), after);
    }

    /**
     * Runs a grid too long for one job as jobs of at most
     * options.maxGroups workgroups in x, in order, at most options.inFlight
     * queued at a time, and waits for them. @p args gives each job its
     * arguments: the kernel sees workgroup ids from 0 in every job, so a job
     * needs to be told where its part starts (pointers into the middle of
     * the arrays, or the first workgroup's index as an argument).
     *
     * Returns the number of jobs, all ended OK. The first job that did not
     * end OK stops the run: no job is submitted after it, those in flight are
     * waited for, and its failure is returned as Fence::waitOk() gives it,
     * with "job K of N" as context. The grid may exceed DRM_VSVM_MAX_GROUPS
     * in x; each job must be within checkGrid().
     */
    Result<uint64_t> dispatchSplit(const Kernel& kernel, Dim3 groups, Dim3 lanes, const SplitArgs& args,
                                   const SplitOptions& options) const;
};

} // namespace vsvm

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/status.h"
#include "vsvm_isa.h"

namespace vsvm {

namespace detail {
class QueueBase;
class JobRecord;
struct VmState;
} // namespace detail

/// How a job ended (drm_vsvm_wait.status).
enum class JobStatus {
    Ok,            ///< DRM_VSVM_JOB_OK
    Fault,         ///< a fatal page fault: faultAddress, faultAccess (and pc) say where
    Retries,       ///< faults kept colliding with invalidations
    NoProcess,     ///< the VM's process went away
    OutOfMemory,   ///< no memory for page tables or fault bookkeeping
    InvalidProgram,///< isaError and pc say what and where
    Timeout,       ///< ran past the device's job timeout; pc says where
    Canceled,      ///< the device was removed or the VM destroyed: the job did not run, or stopped
    Unknown,       ///< a status this UMD does not know (a newer kernel)
};

std::string_view toString(JobStatus status);

/// The access of a fatal fault (drm_vsvm_wait.fault_access).
enum class Access { None, Read, Write };

std::string_view toString(Access access);

/// "VSVM_ISA_ERR_BRANCH (a branch target outside the program)": an ISA error by name.
std::string describe(vsvm_isa_error error);

/// The outcome of a job that ended, whatever it was. A value.
struct JobResult {
    JobStatus status = JobStatus::Unknown;
    uint32_t rawStatus = 0;       ///< drm_vsvm_wait.status as the kernel said it
    uint64_t faultAddress = 0;
    Access faultAccess = Access::None;
    uint64_t pc = 0;              ///< byte offset in the program (compute)
    uint32_t commandIndex = 0;    ///< the command or dispatch that failed
    vsvm_isa_error isaError = VSVM_ISA_ERR_NONE;

    bool ok() const { return status == JobStatus::Ok; }

    /// One line for a person: "ok", "fault: write at 0x1000 (pc 0x18,
    /// command 0)". A fault address is shown whenever the kernel gave one,
    /// and ISA errors by name.
    std::string describe() const;

    bool operator==(const JobResult&) const = default;
};

/**
 * A submitted job: wait for it, or make later jobs depend on it. Owns the
 * job's out-syncobj (destroyed with the Fence; jobs that already depend on
 * it keep its fence). Move-only; a moved-from Fence answers every call with
 * an EBADF error.
 *
 * The library keeps the job's outcome: once read, later waits return it
 * without asking the kernel, and before the kernel would forget the job (it
 * keeps a VM's last DRM_VSVM_WAIT_MAX_KEPT jobs) the library reads it. A
 * Fence keeps its device open; it may outlive its Vm and its Device (the
 * Vm's destruction first reads the outcome of the jobs still held).
 *
 * Thread safety: the const functions may be called from any number of
 * threads at once; moving and destroying need exclusive access.
 */
class Fence {
public:
    static constexpr std::chrono::nanoseconds kForever = std::chrono::nanoseconds::max();

    ~Fence();
    Fence(Fence&& other) noexcept;
    Fence& operator=(Fence&& other) noexcept;
    Fence(const Fence&) = delete;
    Fence& operator=(const Fence&) = delete;

    /// Waits up to @p timeout for the job to end and returns its outcome. A
    /// job that ended badly is a JobResult, not an error; the errors are
    /// ETIME (still running at the timeout), EINTR, and the ioctl's others.
    Result<JobResult> wait(std::chrono::nanoseconds timeout = kForever) const;

    /**
     * Fail-fast: success when the job ended OK; a job that faulted, ran an
     * invalid program, hit the job timeout or was canceled is a failed
     * Status (Status::jobFailed(): its message says where, job() has the
     * fault address, access and pc); ETIME when it still runs at @p timeout.
     */
    Status waitOk(std::chrono::nanoseconds timeout = kForever) const;

    /// Does not block: the outcome once the job has ended, nullopt while it
    /// runs ("not yet" is not an error).
    Result<std::optional<JobResult>> poll() const;

    /// Does not block: true once the job ended OK, false while it runs; a
    /// job that ended badly is an error, as for waitOk().
    Result<bool> pollOk() const;

    /// False for a moved-from Fence.
    bool valid() const { return job_ != nullptr; }

    uint64_t jobId() const;
    /// The out-syncobj whose fence signals when the job ends.
    uint32_t syncobj() const { return syncobj_; }

private:
    friend class detail::QueueBase;
    Fence(std::shared_ptr<detail::VmState> vm, uint32_t syncobj);
    void release() noexcept;
    /// "job 5 of vm 7", for messages.
    std::string name() const;

    std::shared_ptr<detail::VmState> vm_;
    uint32_t syncobj_ = 0;
    std::shared_ptr<detail::JobRecord> job_;
};

/// Jobs a submission waits for: `{fenceA, fenceB}`.
using Dependencies = std::vector<std::reference_wrapper<const Fence>>;

} // namespace vsvm

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// What the public objects share behind their handles. A Device, and every
// Vm, queue and Fence made from it, hold a shared_ptr to one DeviceState, so
// the render node stays open until the last of them is gone, whatever order
// they are destroyed in. A Vm, its queues and their fences share a VmState,
// which keeps the results of the VM's jobs (JobLedger).
//
// Thread safety: DeviceState and VmState's id and device do not change
// after creation; JobRecord and JobLedger lock their own mutex, and
// VmState::destroyed is atomic, so all may be used from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsvm/device_info.h"
#include "vsvm/fence.h"
#include "vsvm/status.h"
#include "vsvm/unique_fd.h"

namespace vsvm::os {
class Os;
}

namespace vsvm::detail {

/// The open render node.
struct DeviceState {
    os::Os* os = nullptr; ///< outlives every object of the device (a process-wide seam)
    UniqueFd fd;
    std::string path;
    DriverVersion driver;
};

/// One job: its id, and its outcome once known. Shared by its Fence, its
/// queue (for finish()) and, weakly, its VM's JobLedger.
class JobRecord {
public:
    explicit JobRecord(uint64_t jobId) : jobId_(jobId) {}

    uint64_t jobId() const { return jobId_; }

    std::optional<JobResult> result() const
    {
        std::lock_guard lock(mutex_);
        return result_;
    }
    void store(const JobResult& result)
    {
        std::lock_guard lock(mutex_);
        result_ = result;
    }
    bool resolved() const { return result().has_value(); }
    bool failed() const
    {
        auto outcome = result();
        return outcome && !outcome->ok();
    }

private:
    const uint64_t jobId_;
    mutable std::mutex mutex_;
    std::optional<JobResult> result_;
};

/**
 * The jobs of one VM whose outcome nobody has read yet. The kernel keeps the
 * status of a VM's last DRM_VSVM_WAIT_MAX_KEPT jobs only; before a
 * submission could push a job out of that window, the ledger names it to be
 * waited for, so that its Fence and its queue's finish() still see it.
 */
class JobLedger {
public:
    /// Before an EXEC: the unresolved jobs the coming submission (and the
    /// others in flight) could make the kernel forget. Every beginSubmit()
    /// is followed by one endSubmit().
    std::vector<std::shared_ptr<JobRecord>> beginSubmit();

    /// After the EXEC: @p record is its job, or nullptr when it failed.
    void endSubmit(const std::shared_ptr<JobRecord>& record);

    /// Every job whose outcome is not yet known and that somebody still holds.
    std::vector<std::shared_ptr<JobRecord>> unresolved();

private:
    void prune(); // drops records nobody holds and those resolved

    std::mutex mutex_;
    std::vector<std::weak_ptr<JobRecord>> records_;
    uint64_t lastJobId_ = 0;
    unsigned submitting_ = 0;
    std::size_t pruneAt_ = 64;
};

/// A VM: its device, its id, whether the Vm destroyed it, its jobs.
struct VmState {
    std::shared_ptr<DeviceState> device;
    uint32_t id = 0;
    std::atomic<bool> destroyed{false};
    JobLedger ledger;
};

/// The outcome of job @p job of @p vm: kept ones without an ioctl, others
/// with DRM_IOCTL_VSVM_WAIT (ETIME while it runs past @p timeout).
Result<JobResult> waitJob(VmState& vm, JobRecord& job, std::chrono::nanoseconds timeout);

/// Waits for every job of @p records (their outcomes are then kept).
void resolveAll(VmState& vm, const std::vector<std::shared_ptr<JobRecord>>& records);

/// The status of using an object that was moved from: "use of a moved-from vsvm::Vm".
Status movedFrom(std::string_view type);

} // namespace vsvm::detail

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "vsvm/device.h"
#include "vsvm/status.h"

namespace vsvm {

namespace detail {
class QueueBase;
struct VmState;
} // namespace detail

/// The per-VM counters of DRM_IOCTL_VSVM_VM_COUNTERS (enum drm_vsvm_counter
/// in uapi/vsvm_drm.h documents each one). A value.
struct VmCounters {
    uint64_t faults = 0;
    uint64_t faultsFatal = 0;
    uint64_t faultRetries = 0;
    uint64_t mapped4K = 0;
    uint64_t mapped2M = 0;
    uint64_t invalUnmap = 0;
    uint64_t invalClear = 0;
    uint64_t invalProtectionVma = 0;
    uint64_t invalProtectionPage = 0;
    uint64_t invalSoftDirty = 0;
    uint64_t invalRelease = 0;
    uint64_t invalMigrate = 0;
    uint64_t invalExclusive = 0;
    uint64_t invalNonblockFailed = 0;
    uint64_t ptesZapped = 0;
    uint64_t ptesDowngraded = 0;
    uint64_t tlbFlushes = 0;
    uint64_t rangesGc = 0;
    uint64_t rangesAlive = 0;
    uint64_t notifiersAlive = 0;
    uint64_t ptBytes = 0;
    uint64_t faultNs = 0;
    uint64_t hmmNs = 0;
    uint64_t youngQueries = 0;
    uint64_t youngAnswers = 0;
    uint64_t youngCleared = 0;
    uint64_t prefetched = 0;
    uint64_t prefetchUsed = 0;
    uint64_t ptesLive = 0;
    uint64_t ptesUnchanged = 0;

    /// Invalidations of every event type.
    uint64_t invalidations() const;

    struct Entry {
        std::string_view name; ///< the uapi name in lower case: "faults", "inval_unmap"
        uint64_t value;
    };
    /// Every counter with its name, in enum drm_vsvm_counter order.
    std::array<Entry, DRM_VSVM_COUNTER_COUNT> entries() const;

    bool operator==(const VmCounters&) const = default;
};

/**
 * A device address space that mirrors this process (DRM_VSVM_VM_CREATE_SVM):
 * any pointer of the process is a device pointer. Move-only; the destructor
 * destroys the VM, which first waits for its jobs (and keeps the outcome of
 * those whose Fence or queue still exists).
 *
 * Lifetimes: the Vm keeps its device open, so the Device may be destroyed
 * first. Queues and Fences made on the Vm may outlive it: afterwards a
 * queue's submissions fail with ENOENT, and a Fence reports the outcome its
 * job had. A moved-from Vm fails every call with EBADF (id() is 0).
 *
 * Thread safety: the const functions may be called from any number of
 * threads at once; moving and destroying need exclusive access.
 */
class Vm {
public:
    static Result<Vm> create(const Device& device);

    ~Vm();
    Vm(Vm&& other) noexcept;
    Vm& operator=(Vm&& other) noexcept;
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    /// The VM's id; 0 for a moved-from Vm.
    uint32_t id() const;

    /// False for a moved-from Vm.
    bool valid() const { return state_ != nullptr; }

    Result<VmCounters> counters() const;

    /// Where prefetch() puts the pages before it maps them.
    enum class Placement {
        Keep,   ///< where they are
        Device, ///< in the device's own memory (DRM_VSVM_PREFETCH_TO_DEVICE)
        System, ///< back in system memory (DRM_VSVM_PREFETCH_TO_SYSTEM)
    };

    /// Gives [ptr, ptr + size) device translations now, writable when
    /// @p write, so that jobs that follow take no page fault there. With a
    /// placement other than Keep the pages move first (best effort; EOPNOTSUPP
    /// when the device has no memory of its own).
    Status prefetch(const void* ptr, std::size_t size, bool write,
                    Placement placement = Placement::Keep) const;

private:
    friend class detail::QueueBase;
    explicit Vm(std::shared_ptr<detail::VmState> state);
    void destroy() noexcept;

    std::shared_ptr<detail::VmState> state_;
};

} // namespace vsvm

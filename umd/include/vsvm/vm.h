// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vsvm/device.h"
#include "vsvm/status.h"

namespace vsvm {

namespace detail {
/// What a queue or a fence needs to reach its VM: plain values, so that they
/// do not point into a Vm object that may move. The Device and the Vm must
/// outlive everything made from them.
struct VmRef {
    os::Os* os = nullptr;
    int fd = -1;
    uint32_t id = 0;
};
} // namespace detail

/// The per-VM counters of DRM_IOCTL_VSVM_VM_COUNTERS (enum drm_vsvm_counter
/// in uapi/vsvm_drm.h documents each one).
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
 * destroys the VM, which first waits for its jobs. The Device must outlive
 * it, and it must outlive the queues and fences made on it.
 */
class Vm {
public:
    static Result<Vm> create(const Device& device);

    ~Vm();
    Vm(Vm&& other) noexcept;
    Vm& operator=(Vm&& other) noexcept;
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    uint32_t id() const { return ref_.id; }
    detail::VmRef ref() const { return ref_; }

    Result<VmCounters> counters() const;

    /// Gives [ptr, ptr + size) device translations now, writable when
    /// @p write, so that jobs that follow take no page fault there.
    Status prefetch(const void* ptr, std::size_t size, bool write) const;

private:
    explicit Vm(detail::VmRef ref) : ref_(ref) {}
    void destroy() noexcept;

    detail::VmRef ref_;
};

} // namespace vsvm

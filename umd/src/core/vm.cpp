// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/vm.h"

#include <utility>

#include <fmt/format.h>

#include "core/ioctl_status.h"
#include "os/os.h"

namespace vsvm {
namespace {

struct CounterField {
    std::string_view name;
    uint64_t VmCounters::*field;
};

// Indexed by enum drm_vsvm_counter.
constexpr std::array<CounterField, DRM_VSVM_COUNTER_COUNT> kCounterFields = {{
    {"faults", &VmCounters::faults},
    {"faults_fatal", &VmCounters::faultsFatal},
    {"fault_retries", &VmCounters::faultRetries},
    {"mapped_4k", &VmCounters::mapped4K},
    {"mapped_2m", &VmCounters::mapped2M},
    {"inval_unmap", &VmCounters::invalUnmap},
    {"inval_clear", &VmCounters::invalClear},
    {"inval_protection_vma", &VmCounters::invalProtectionVma},
    {"inval_protection_page", &VmCounters::invalProtectionPage},
    {"inval_soft_dirty", &VmCounters::invalSoftDirty},
    {"inval_release", &VmCounters::invalRelease},
    {"inval_migrate", &VmCounters::invalMigrate},
    {"inval_exclusive", &VmCounters::invalExclusive},
    {"inval_nonblock_failed", &VmCounters::invalNonblockFailed},
    {"ptes_zapped", &VmCounters::ptesZapped},
    {"ptes_downgraded", &VmCounters::ptesDowngraded},
    {"tlb_flushes", &VmCounters::tlbFlushes},
    {"ranges_gc", &VmCounters::rangesGc},
    {"ranges_alive", &VmCounters::rangesAlive},
    {"notifiers_alive", &VmCounters::notifiersAlive},
    {"pt_bytes", &VmCounters::ptBytes},
    {"fault_ns", &VmCounters::faultNs},
    {"hmm_ns", &VmCounters::hmmNs},
}};

} // namespace

uint64_t VmCounters::invalidations() const
{
    return invalUnmap + invalClear + invalProtectionVma + invalProtectionPage + invalSoftDirty +
           invalRelease + invalMigrate + invalExclusive;
}

std::array<VmCounters::Entry, DRM_VSVM_COUNTER_COUNT> VmCounters::entries() const
{
    std::array<Entry, DRM_VSVM_COUNTER_COUNT> entries{};
    for (std::size_t i = 0; i < kCounterFields.size(); i++)
        entries[i] = {kCounterFields[i].name, this->*kCounterFields[i].field};
    return entries;
}

Result<Vm> Vm::create(const Device& device)
{
    drm_vsvm_vm_create args{};
    args.flags = DRM_VSVM_VM_CREATE_SVM;
    Status status = detail::ioctlStatus(device.os().vmCreate(device.fd(), args),
                                        fmt::format("DRM_IOCTL_VSVM_VM_CREATE on {}", device.path()));
    if (!status.ok())
        return status;
    return Vm({.os = &device.os(), .fd = device.fd(), .id = args.vm_id});
}

Vm::~Vm()
{
    destroy();
}

Vm::Vm(Vm&& other) noexcept : ref_(std::exchange(other.ref_, {})) {}

Vm& Vm::operator=(Vm&& other) noexcept
{
    if (this != &other) {
        destroy();
        ref_ = std::exchange(other.ref_, {});
    }
    return *this;
}

void Vm::destroy() noexcept
{
    if (ref_.id == 0)
        return;
    drm_vsvm_vm_destroy args{};
    args.vm_id = ref_.id;
    // Nothing to report to: a destructor. The kernel frees the VM with the
    // file at the latest.
    (void)ref_.os->vmDestroy(ref_.fd, args);
    ref_ = {};
}

Result<VmCounters> Vm::counters() const
{
    std::array<uint64_t, DRM_VSVM_COUNTER_COUNT> values{};
    drm_vsvm_vm_counters args{};
    args.vm_id = ref_.id;
    args.count = values.size();
    args.counters_ptr = reinterpret_cast<uintptr_t>(values.data());
    Status status = detail::ioctlStatus(ref_.os->vmCounters(ref_.fd, args),
                                        fmt::format("DRM_IOCTL_VSVM_VM_COUNTERS(vm {})", ref_.id));
    if (!status.ok())
        return status;

    // An older kernel with fewer counters leaves the rest at 0.
    VmCounters counters;
    for (std::size_t i = 0; i < kCounterFields.size(); i++)
        counters.*kCounterFields[i].field = values[i];
    return counters;
}

Status Vm::prefetch(const void* ptr, std::size_t size, bool write) const
{
    drm_vsvm_vm_prefetch args{};
    args.vm_id = ref_.id;
    args.flags = write ? DRM_VSVM_PREFETCH_WRITE : 0;
    args.start = reinterpret_cast<uintptr_t>(ptr);
    args.size = size;
    return detail::ioctlStatus(ref_.os->vmPrefetch(ref_.fd, args),
                               fmt::format("DRM_IOCTL_VSVM_VM_PREFETCH(vm {}, {}, {:#x} bytes, {})",
                                           ref_.id, ptr, size, write ? "write" : "read"));
}

} // namespace vsvm

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/vm.h"

#include <utility>

#include <fmt/format.h>

#include "core/ioctl_status.h"
#include "os/os.h"

namespace vsvm {
namespace {

// The names come from the uapi header's list, in enum drm_vsvm_counter order.
#define VSVM_COUNTER_NAME(id, name) name,
constexpr std::array<std::string_view, DRM_VSVM_COUNTER_COUNT> kCounterNames = {
    DRM_VSVM_COUNTER_NAMES(VSVM_COUNTER_NAME)};
#undef VSVM_COUNTER_NAME
static_assert(!kCounterNames.back().empty(), "a counter without a name in DRM_VSVM_COUNTER_NAMES");

// The members of VmCounters, indexed by enum drm_vsvm_counter.
constexpr std::array<uint64_t VmCounters::*, DRM_VSVM_COUNTER_COUNT> kCounterFields = {{
    &VmCounters::faults,
    &VmCounters::faultsFatal,
    &VmCounters::faultRetries,
    &VmCounters::mapped4K,
    &VmCounters::mapped2M,
    &VmCounters::invalUnmap,
    &VmCounters::invalClear,
    &VmCounters::invalProtectionVma,
    &VmCounters::invalProtectionPage,
    &VmCounters::invalSoftDirty,
    &VmCounters::invalRelease,
    &VmCounters::invalMigrate,
    &VmCounters::invalExclusive,
    &VmCounters::invalNonblockFailed,
    &VmCounters::ptesZapped,
    &VmCounters::ptesDowngraded,
    &VmCounters::tlbFlushes,
    &VmCounters::rangesGc,
    &VmCounters::rangesAlive,
    &VmCounters::notifiersAlive,
    &VmCounters::ptBytes,
    &VmCounters::faultNs,
    &VmCounters::hmmNs,
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
        entries[i] = {kCounterNames[i], this->*kCounterFields[i]};
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
        counters.*kCounterFields[i] = values[i];
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

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "vsvm/queue.h"

#include <algorithm>
#include <cerrno>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "core/ioctl_status.h"
#include "core/state.h"
#include "os/os.h"

namespace vsvm {
namespace {

std::string_view engineName(uint32_t engine)
{
    return engine == DRM_VSVM_ENGINE_COPY ? "copy" : "compute";
}

uint64_t address(const void* pointer)
{
    return reinterpret_cast<uintptr_t>(pointer);
}

// One out-syncobj until a Fence takes it: every failure before that frees it.
class SyncobjGuard {
public:
    SyncobjGuard(const detail::DeviceState& device, uint32_t handle) : device_(device), handle_(handle) {}
    ~SyncobjGuard()
    {
        if (handle_ != 0)
            (void)device_.os->syncobjDestroy(device_.fd.get(), handle_);
    }
    SyncobjGuard(const SyncobjGuard&) = delete;
    SyncobjGuard& operator=(const SyncobjGuard&) = delete;

    uint32_t get() const { return handle_; }
    uint32_t release() { return std::exchange(handle_, 0); }

private:
    const detail::DeviceState& device_;
    uint32_t handle_;
};

} // namespace

Status checkGrid(Dim3 groups, Dim3 lanes)
{
    const uint32_t group[3] = {groups.x, groups.y, groups.z};
    const uint32_t lane[3] = {lanes.x, lanes.y, lanes.z};
    const char axis[3] = {'x', 'y', 'z'};
    for (int i = 0; i < 3; i++) {
        if (group[i] == 0 || group[i] > DRM_VSVM_MAX_GROUPS)
            return Status::error(EINVAL, fmt::format("{} workgroups in {}: 1 to {} allowed", group[i], axis[i],
                                                     DRM_VSVM_MAX_GROUPS));
        if (lane[i] == 0)
            return Status::error(EINVAL, fmt::format("0 lanes in {}: at least 1", axis[i]));
    }
    uint64_t perGroup = uint64_t{lanes.x} * lanes.y * lanes.z;
    if (perGroup > VSVM_ISA_MAX_GROUP_LANES)
        return Status::error(EINVAL, fmt::format("{}x{}x{} = {} lanes in a workgroup: at most {}", lanes.x, lanes.y,
                                                 lanes.z, perGroup, VSVM_ISA_MAX_GROUP_LANES));
    return {};
}

namespace detail {

/// A queue: its VM, its engine, and the jobs finish() has yet to wait for.
struct QueueState {
    std::shared_ptr<VmState> vm;
    uint32_t engine = 0;
    std::mutex mutex;
    std::vector<std::shared_ptr<JobRecord>> pending;
};

namespace {

Status movedFromQueue()
{
    return Status::error(EBADF, "use of a moved-from queue, or of a queue made from a moved-from Vm");
}

} // namespace

QueueBase::QueueBase(const Vm& vm, uint32_t engine)
{
    // A queue of a moved-from Vm is a moved-from queue: every call says so.
    if (!vm.state_)
        return;
    state_ = std::make_shared<QueueState>();
    state_->vm = vm.state_;
    state_->engine = engine;
}

QueueBase::~QueueBase() = default;
QueueBase::QueueBase(QueueBase&&) noexcept = default;
QueueBase& QueueBase::operator=(QueueBase&&) noexcept = default;

Result<Fence> QueueBase::submit(const void* commands, std::size_t count, const Dependencies& after) const
{
    if (!state_)
        return movedFromQueue();
    VmState& vm = *state_->vm;
    const DeviceState& device = *vm.device;
    std::string what = fmt::format("DRM_IOCTL_VSVM_EXEC({}, vm {}, {} commands)", engineName(state_->engine), vm.id,
                                   count);
    if (vm.destroyed)
        return Status::error(ENOENT, fmt::format("{}: the Vm was destroyed", what));
    if (count == 0 || count > DRM_VSVM_EXEC_MAX_CMDS)
        return Status::error(EINVAL, fmt::format("{}: 1 to {} allowed", what, DRM_VSVM_EXEC_MAX_CMDS));
    if (after.size() > DRM_VSVM_EXEC_MAX_IN_SYNCOBJS)
        return Status::error(EINVAL, fmt::format("{}: {} dependencies, at most {}", what, after.size(),
                                                 DRM_VSVM_EXEC_MAX_IN_SYNCOBJS));

    std::vector<uint32_t> inSyncobjs;
    inSyncobjs.reserve(after.size());
    for (std::size_t i = 0; i < after.size(); i++) {
        const Fence& fence = after[i];
        // A syncobj handle means something only on its own descriptor.
        if (!fence.valid())
            return movedFrom("Fence").withContext(fmt::format("{}: dependency {}", what, i + 1));
        if (fence.vm_->device != vm.device)
            return Status::error(EINVAL, fmt::format("{}: dependency {} is a job of another device ({})", what,
                                                     i + 1, fence.vm_->device->path));
        inSyncobjs.push_back(fence.syncobj());
    }

    auto syncobj = device.os->syncobjCreate(device.fd.get());
    if (!syncobj)
        return syncobj.status().withContext(what);
    SyncobjGuard out(device, *syncobj);

    // Jobs the kernel would forget once this one is in: read them first.
    resolveAll(vm, vm.ledger.beginSubmit());
    drm_vsvm_exec args{};
    args.vm_id = vm.id;
    args.engine = state_->engine;
    args.cmds_ptr = address(commands);
    args.num_cmds = static_cast<uint32_t>(count);
    args.out_syncobj = out.get();
    args.in_syncobjs_ptr = inSyncobjs.empty() ? 0 : address(inSyncobjs.data());
    args.num_in_syncobjs = static_cast<uint32_t>(inSyncobjs.size());
    Status status = ioctlStatus(device.os->exec(device.fd.get(), args), std::move(what));
    auto record = status.ok() ? std::make_shared<JobRecord>(args.job_id) : nullptr;
    vm.ledger.endSubmit(record);
    if (!status.ok())
        return status;

    {
        std::lock_guard lock(state_->mutex);
        // Jobs that ended OK need no more waiting; keep the rest for finish().
        std::erase_if(state_->pending, [](const auto& job) { return job->resolved() && !job->failed(); });
        state_->pending.push_back(record);
    }
    Fence fence(state_->vm, out.release());
    fence.job_ = std::move(record);
    return fence;
}

Status QueueBase::finish(std::chrono::nanoseconds timeout) const
{
    if (!state_)
        return movedFromQueue();
    std::vector<std::shared_ptr<JobRecord>> jobs;
    {
        std::lock_guard lock(state_->mutex);
        jobs.swap(state_->pending);
    }
    Status failure;
    std::size_t waited = 0;
    for (; waited < jobs.size(); waited++) {
        auto result = waitJob(*state_->vm, *jobs[waited], timeout);
        if (!result && result.status().errnum() == ETIME)
            break;
        if (!failure.ok())
            continue;
        if (!result)
            failure = result.status();
        else if (!result->ok())
            failure = Status::jobFailed(*result, fmt::format("job {} of vm {}", jobs[waited]->jobId(),
                                                               state_->vm->id));
    }
    if (waited < jobs.size()) {
        // Timed out: what was not waited for stays for the next finish().
        std::lock_guard lock(state_->mutex);
        state_->pending.insert(state_->pending.begin(), jobs.begin() + static_cast<std::ptrdiff_t>(waited),
                               jobs.end());
        if (failure.ok())
            return Status::error(ETIME, fmt::format("finish(): job {} of vm {} still runs", jobs[waited]->jobId(),
                                                    state_->vm->id));
    }
    return failure;
}

} // namespace detail

CopyCommand CopyCommand::copy(void* dst, const void* src, std::size_t size)
{
    CopyCommand command;
    command.cmd.op = DRM_VSVM_CMD_COPY;
    command.cmd.dst = address(dst);
    command.cmd.src = address(src);
    command.cmd.size = size;
    return command;
}

CopyCommand CopyCommand::fill(void* dst, uint64_t pattern, std::size_t size)
{
    CopyCommand command;
    command.cmd.op = DRM_VSVM_CMD_FILL;
    command.cmd.dst = address(dst);
    command.cmd.size = size;
    command.cmd.value = pattern;
    return command;
}

CopyCommand CopyCommand::checksum(const void* src, std::size_t size, uint64_t* result)
{
    CopyCommand command;
    command.cmd.op = DRM_VSVM_CMD_CHECKSUM;
    command.cmd.src = address(src);
    command.cmd.dst = address(result);
    command.cmd.size = size;
    return command;
}

Result<Fence> CopyQueue::submit(std::span<const CopyCommand> commands, const Dependencies& after) const
{
    // The array goes to the kernel as it is.
    static_assert(sizeof(CopyCommand) == sizeof(drm_vsvm_cmd) && std::is_standard_layout_v<CopyCommand>);
    for (std::size_t i = 0; i < commands.size(); i++) {
        const drm_vsvm_cmd& cmd = commands[i].cmd;
        if (cmd.size > DRM_VSVM_CMD_MAX_SIZE)
            return Status::error(EINVAL, fmt::format("copy command {}: {:#x} bytes, at most {:#x}", i, cmd.size,
                                                     DRM_VSVM_CMD_MAX_SIZE));
        if (cmd.op == DRM_VSVM_CMD_CHECKSUM && cmd.dst % 8 != 0)
            return Status::error(EINVAL, fmt::format("copy command {}: the checksum result {:#x} is not 8-byte "
                                                     "aligned", i, cmd.dst));
    }
    return QueueBase::submit(commands.data(), commands.size(), after);
}

Result<Fence> CopyQueue::copy(void* dst, const void* src, std::size_t size, const Dependencies& after) const
{
    CopyCommand command = CopyCommand::copy(dst, src, size);
    return submit({&command, 1}, after);
}

Result<Fence> CopyQueue::fill(void* dst, uint64_t pattern, std::size_t size, const Dependencies& after) const
{
    CopyCommand command = CopyCommand::fill(dst, pattern, size);
    return submit({&command, 1}, after);
}

Result<Fence> CopyQueue::checksum(const void* src, std::size_t size, uint64_t* result,
                                  const Dependencies& after) const
{
    CopyCommand command = CopyCommand::checksum(src, size, result);
    return submit({&command, 1}, after);
}

Result<Fence> ComputeQueue::submit(std::span<const Dispatch> dispatches, const Dependencies& after) const
{
    std::vector<drm_vsvm_dispatch> cmds;
    cmds.reserve(dispatches.size());
    for (std::size_t i = 0; i < dispatches.size(); i++) {
        const Dispatch& dispatch = dispatches[i];
        std::string which = fmt::format("dispatch {}", i);
        if (!dispatch.kernel)
            return Status::error(EINVAL, which + ": no kernel");
        if (!dispatch.kernel->valid())
            return detail::movedFrom("Kernel").withContext(which);
        if (Status grid = checkGrid(dispatch.groups, dispatch.lanes); !grid.ok())
            return grid.withContext(which);
        if (Status args = dispatch.kernel->checkArgs(dispatch.args); !args.ok())
            return args.withContext(which);
        drm_vsvm_dispatch cmd{};
        cmd.code_ptr = address(dispatch.kernel->code());
        cmd.code_size = dispatch.kernel->codeSize();
        cmd.entry = dispatch.kernel->entry();
        cmd.isa_version = dispatch.kernel->isaVersion();
        cmd.group_size[0] = dispatch.lanes.x;
        cmd.group_size[1] = dispatch.lanes.y;
        cmd.group_size[2] = dispatch.lanes.z;
        cmd.num_groups[0] = dispatch.groups.x;
        cmd.num_groups[1] = dispatch.groups.y;
        cmd.num_groups[2] = dispatch.groups.z;
        std::span<const uint64_t> args = dispatch.args.values();
        cmd.num_args = static_cast<uint32_t>(args.size());
        std::copy(args.begin(), args.end(), cmd.args);
        cmds.push_back(cmd);
    }
    return QueueBase::submit(cmds.data(), cmds.size(), after);
}

} // namespace vsvm

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// The C API (vsvm/vsvm.h) over the C++ library: each handle holds the C++
// object, each function turns a Status into a return value and keeps its
// message for vsvm_last_error(). The C++ library reports errors as values,
// and a handle that cannot be allocated is VSVM_ERROR_OUT_OF_MEMORY.

#include "vsvm/vsvm.h"

#include <cerrno>
#include <chrono>
#include <new>
#include <string>
#include <utility>

#include "capi/capi.h"
#include "vsvm/runtime.h"

struct vsvm_device {
    vsvm::Device device;
};

struct vsvm_vm {
    vsvm::Vm vm;
    vsvm::ComputeQueue queue;
};

struct vsvm_kernel {
    vsvm::Kernel kernel;
};

struct vsvm_fence {
    vsvm::Fence fence;
};

namespace {

thread_local std::string lastError;

int errorCode(const vsvm::Status& status)
{
    if (status.job())
        return VSVM_ERROR_JOB_FAILED;
    switch (status.errnum()) {
    case ETIME:
        return VSVM_ERROR_TIMEOUT;
    case ENODEV:
        return VSVM_ERROR_NO_DEVICE;
    case EACCES:
    case EPERM:
        return VSVM_ERROR_PERMISSION;
    case EINVAL:
    case E2BIG:
    case EBADF:
        return VSVM_ERROR_INVALID_ARGUMENT;
    case ENOMEM:
        return VSVM_ERROR_OUT_OF_MEMORY;
    default:
        return VSVM_ERROR_SYSTEM;
    }
}

int fail(const vsvm::Status& status, int code)
{
    lastError = status.message();
    return code;
}

int fail(const vsvm::Status& status)
{
    return fail(status, errorCode(status));
}

int invalid(const char* function, const char* what)
{
    return fail(vsvm::Status::error(EINVAL, std::string(function) + ": " + what));
}

int succeed()
{
    lastError.clear();
    return VSVM_OK;
}

void fillResult(const vsvm::JobResult& job, vsvm_job_result* result)
{
    if (!result)
        return;
    result->status = job.rawStatus;
    result->fault_access = job.faultAccess == vsvm::Access::Read ? 1 : job.faultAccess == vsvm::Access::Write ? 2 : 0;
    result->fault_address = job.faultAddress;
    result->pc = job.pc;
    result->command_index = job.commandIndex;
    result->isa_error = static_cast<uint32_t>(job.isaError);
}

// The outcome of a failed wait or finish: a failed job fills @p result.
int failJob(const vsvm::Status& status, vsvm_job_result* result)
{
    if (status.job())
        fillResult(*status.job(), result);
    return fail(status);
}

std::chrono::nanoseconds timeoutOf(int64_t timeoutNs)
{
    return timeoutNs < 0 ? vsvm::Fence::kForever : std::chrono::nanoseconds(timeoutNs);
}

// Allocates a handle; nullptr (and the message) when memory ran out.
template <typename Handle, typename... Parts>
Handle* make(Parts&&... parts)
{
    Handle* handle = new (std::nothrow) Handle{std::forward<Parts>(parts)...};
    if (!handle)
        lastError = "out of memory for a handle";
    return handle;
}

int outOfMemory()
{
    return VSVM_ERROR_OUT_OF_MEMORY;
}

vsvm::Status pushArg(vsvm::KernelArgs& args, const vsvm_arg& arg, std::size_t index)
{
    switch (arg.type) {
    case VSVM_ARG_PTR:
        args.push(arg.value.ptr);
        return {};
    case VSVM_ARG_U32:
        args.push(arg.value.u32);
        return {};
    case VSVM_ARG_I32:
        args.push(arg.value.i32);
        return {};
    case VSVM_ARG_U64:
        args.push(arg.value.u64);
        return {};
    case VSVM_ARG_I64:
        args.push(arg.value.i64);
        return {};
    case VSVM_ARG_F32:
        args.push(arg.value.f32);
        return {};
    case VSVM_ARG_F64:
        args.push(arg.value.f64);
        return {};
    }
    return vsvm::Status::error(EINVAL, "vsvm_launch: argument " + std::to_string(index + 1) + " has type " +
                                           std::to_string(arg.type) + ", not a VSVM_ARG_* value");
}

} // namespace

namespace vsvm::capi {

vsvm_device* wrapDevice(Device device)
{
    return make<vsvm_device>(std::move(device));
}

} // namespace vsvm::capi

extern "C" {

const char* vsvm_error_name(int status)
{
    switch (status) {
    case VSVM_OK:
        return "VSVM_OK";
    case VSVM_NOT_READY:
        return "VSVM_NOT_READY";
    case VSVM_ERROR_INVALID_ARGUMENT:
        return "VSVM_ERROR_INVALID_ARGUMENT";
    case VSVM_ERROR_NO_DEVICE:
        return "VSVM_ERROR_NO_DEVICE";
    case VSVM_ERROR_PERMISSION:
        return "VSVM_ERROR_PERMISSION";
    case VSVM_ERROR_BAD_KERNEL:
        return "VSVM_ERROR_BAD_KERNEL";
    case VSVM_ERROR_TIMEOUT:
        return "VSVM_ERROR_TIMEOUT";
    case VSVM_ERROR_JOB_FAILED:
        return "VSVM_ERROR_JOB_FAILED";
    case VSVM_ERROR_OUT_OF_MEMORY:
        return "VSVM_ERROR_OUT_OF_MEMORY";
    case VSVM_ERROR_SYSTEM:
        return "VSVM_ERROR_SYSTEM";
    }
    return "unknown vsvm status";
}

const char* vsvm_last_error(void)
{
    return lastError.c_str();
}

int vsvm_device_count(uint32_t* count)
{
    if (!count)
        return invalid("vsvm_device_count", "count is NULL");
    auto devices = vsvm::Device::enumerate();
    if (!devices)
        return fail(devices.status());
    *count = static_cast<uint32_t>(devices->size());
    return succeed();
}

int vsvm_device_open(uint32_t index, vsvm_device** device)
{
    if (!device)
        return invalid("vsvm_device_open", "device is NULL");
    auto opened = vsvm::Device::open(index);
    if (!opened)
        return fail(opened.status());
    *device = vsvm::capi::wrapDevice(std::move(*opened));
    return *device ? succeed() : outOfMemory();
}

int vsvm_device_open_path(const char* path, vsvm_device** device)
{
    if (!path || !device)
        return invalid("vsvm_device_open_path", "path or device is NULL");
    auto opened = vsvm::Device::open(std::string(path));
    if (!opened)
        return fail(opened.status());
    *device = vsvm::capi::wrapDevice(std::move(*opened));
    return *device ? succeed() : outOfMemory();
}

void vsvm_device_close(vsvm_device* device)
{
    delete device;
}

int vsvm_vm_create(vsvm_device* device, vsvm_vm** vm)
{
    if (!device || !vm)
        return invalid("vsvm_vm_create", "device or vm is NULL");
    auto created = vsvm::Vm::create(device->device);
    if (!created)
        return fail(created.status());
    vsvm::ComputeQueue queue(*created);
    *vm = make<vsvm_vm>(std::move(*created), std::move(queue));
    return *vm ? succeed() : outOfMemory();
}

void vsvm_vm_destroy(vsvm_vm* vm)
{
    delete vm;
}

int vsvm_vm_finish(vsvm_vm* vm, int64_t timeout_ns, vsvm_job_result* result)
{
    if (!vm)
        return invalid("vsvm_vm_finish", "vm is NULL");
    vsvm::Status finished = vm->queue.finish(timeoutOf(timeout_ns));
    return finished.ok() ? succeed() : failJob(finished, result);
}

int vsvm_kernel_from_assembly(const char* source, vsvm_kernel** kernel)
{
    if (!source || !kernel)
        return invalid("vsvm_kernel_from_assembly", "source or kernel is NULL");
    auto assembled = vsvm::Kernel::fromAssembly(source);
    if (!assembled)
        return fail(assembled.status(), VSVM_ERROR_BAD_KERNEL);
    *kernel = make<vsvm_kernel>(std::move(*assembled));
    return *kernel ? succeed() : outOfMemory();
}

int vsvm_kernel_from_words(const uint64_t* words, size_t count, uint32_t entry, const char* signature,
                           vsvm_kernel** kernel)
{
    if (!words || !kernel)
        return invalid("vsvm_kernel_from_words", "words or kernel is NULL");
    std::optional<vsvm::KernelSignature> parsed;
    if (signature) {
        auto read = vsvm::isa::parseSignature(signature);
        if (!read)
            return fail(read.status(), VSVM_ERROR_BAD_KERNEL);
        parsed = std::move(*read);
    }
    auto made = vsvm::Kernel::fromWords({words, count}, entry, std::move(parsed));
    if (!made)
        return fail(made.status(), made.status().errnum() == EINVAL ? VSVM_ERROR_BAD_KERNEL : errorCode(made.status()));
    *kernel = make<vsvm_kernel>(std::move(*made));
    return *kernel ? succeed() : outOfMemory();
}

void vsvm_kernel_destroy(vsvm_kernel* kernel)
{
    delete kernel;
}

int vsvm_launch(vsvm_vm* vm, const vsvm_kernel* kernel, const uint32_t groups[3], const uint32_t lanes[3],
                const vsvm_arg* args, size_t num_args, vsvm_fence** fence)
{
    if (!vm || !kernel || !groups || !lanes || !fence || (num_args && !args))
        return invalid("vsvm_launch", "vm, kernel, groups, lanes, fence or args is NULL");
    vsvm::KernelArgs kernelArgs;
    for (std::size_t i = 0; i < num_args; i++) {
        if (vsvm::Status pushed = pushArg(kernelArgs, args[i], i); !pushed.ok())
            return fail(pushed);
    }
    auto launched = vm->queue.submit({{&kernel->kernel,
                                       {groups[0], groups[1], groups[2]},
                                       {lanes[0], lanes[1], lanes[2]},
                                       kernelArgs}});
    if (!launched)
        return fail(launched.status().withContext("vsvm_launch"));
    *fence = make<vsvm_fence>(std::move(*launched));
    return *fence ? succeed() : outOfMemory();
}

int vsvm_fence_wait(vsvm_fence* fence, int64_t timeout_ns, vsvm_job_result* result)
{
    if (!fence)
        return invalid("vsvm_fence_wait", "fence is NULL");
    auto waited = fence->fence.wait(timeoutOf(timeout_ns));
    if (!waited)
        return fail(waited.status());
    fillResult(*waited, result);
    vsvm::Status ok = fence->fence.waitOk(std::chrono::nanoseconds(0));
    return ok.ok() ? succeed() : fail(ok);
}

int vsvm_fence_poll(vsvm_fence* fence, vsvm_job_result* result)
{
    if (!fence)
        return invalid("vsvm_fence_poll", "fence is NULL");
    auto polled = fence->fence.poll();
    if (!polled)
        return fail(polled.status());
    if (!polled->has_value())
        return VSVM_NOT_READY;
    return vsvm_fence_wait(fence, 0, result);
}

void vsvm_fence_destroy(vsvm_fence* fence)
{
    delete fence;
}

} // extern "C"

// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The OpenCL objects of the vsvm ICD and the backends that run their
// commands. Every object starts with the dispatch table pointer, as the ICD
// loader (cl_khr_icd) requires: the loader reads it to find our entry
// points, so it must be the first word of the object.

#define CL_TARGET_OPENCL_VERSION 300
#define CL_USE_DEPRECATED_OPENCL_1_0_APIS
#define CL_USE_DEPRECATED_OPENCL_1_1_APIS
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#define CL_USE_DEPRECATED_OPENCL_2_0_APIS
#include <CL/cl.h>
#include <CL/cl_icd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vsvm/cc.h"
#include "vsvm/fence.h"
#include "vsvm/frontend.h"
#include "vsvm/kernel.h"

struct _cl_kernel;

namespace vsvm::opencl {

enum class Kind : std::uint32_t {
    Platform = 0x76736d01,
    Device,
    Context,
    Queue,
    Mem,
    Program,
    Kernel,
    Event,
};

/// What every object starts with. Reference counts start at 1; the object
/// is deleted when the count reaches 0 (release()).
struct Object {
    const cl_icd_dispatch* dispatch;
    Kind kind;
    std::atomic<cl_uint> refs{1};

    Object(Kind k);
};

/// The limits a backend reports; clGetDeviceInfo answers from them.
struct DeviceLimits {
    std::string name;
    std::string driverVersion;
    cl_uint computeUnits = 1;
    cl_ulong globalMemSize = 0;
    cl_ulong maxAllocSize = 0;
    cl_uint isaVersion = 2;
};

/// CL_DEVICE_EXTENSIONS of a device with @p limits, space-separated.
std::string deviceExtensions(const DeviceLimits& limits);
/// The names of CL_DEVICE_OPENCL_C_FEATURES ("__opencl_c_int64").
std::vector<std::string> openclCFeatures();
/// What OpenCL C defines for programs built for a device with @p limits:
/// its extensions and its optional features (OpenclOptions::extensions).
std::vector<std::string> openclCMacros(const DeviceLimits& limits);

/// How a command ended: CL_COMPLETE or a negative status with its reason.
struct ExecResult {
    cl_int status = CL_COMPLETE;
    std::string error;
};

/// Device jobs a command waits for (in-syncobjs of its submission).
using vsvm::Dependencies;

/// Waits until the jobs of @p after have ended, whatever their outcome: host
/// work that must come after them.
void waitFor(const Dependencies& after);

/**
 * How a command ends: already known (the emulator, work the CPU did), or
 * told by the device jobs it submitted. The jobs run in their order (one
 * engine), so the last one ends after the others.
 *
 * Thread safety: the const functions may be called from any number of
 * threads at once.
 */
class Completion {
public:
    Completion() = default;
    Completion(ExecResult result) : result_(std::move(result)) {}
    explicit Completion(std::vector<vsvm::Fence> jobs) : jobs_(std::move(jobs)) {}
    /// Jobs that read @p memory, which goes with the Completion (a command
    /// keeps its Completion until its jobs have ended).
    Completion(std::vector<vsvm::Fence> jobs, std::shared_ptr<const void> memory)
        : jobs_(std::move(jobs)), memory_(std::move(memory))
    {
    }

    /// The outcome of a command with nothing to do but come after the
    /// commands of @p before: CL_COMPLETE once their jobs have ended,
    /// whatever their outcome (a marker, a barrier, a map).
    static Completion after(const std::vector<std::shared_ptr<const Completion>>& before);

    /// True while the outcome is for jobs to tell.
    bool hasJobs() const { return !jobs_.empty() || !before_.empty(); }
    /// Adds the jobs a later command waits for, to come after this one.
    void addTo(Dependencies& after) const;
    /// A failure's reason gets "@p context: " in front.
    void setContext(std::string context);
    /// Does not block: the outcome once the jobs have ended, nullopt before.
    std::optional<ExecResult> poll() const;
    /// Waits for the jobs. A job that failed gives CL_OUT_OF_RESOURCES with
    /// what the device said of it (JobResult::describe(): the fault
    /// address, the pc, the ISA error).
    ExecResult wait() const;

private:
    ExecResult withContext(ExecResult result) const;

    ExecResult result_;
    std::vector<vsvm::Fence> jobs_;
    /// after(): the commands with jobs it comes after (never an after() itself).
    std::vector<std::shared_ptr<const Completion>> before_;
    std::shared_ptr<const void> memory_;
    std::string context_;
};

/// One piece of a copy: @p size bytes from @p src to @p dst.
struct CopyPiece {
    void* dst;
    const void* src;
    std::size_t size;
};

struct BuiltKernel;

/// Where commands run: a vsvm device through libvsvm, or the host emulator.
/// The device backend returns once its jobs are submitted (their Completion
/// tells the end), after the jobs of @p after; the emulator returns when the
/// command has ended. Work either does on the CPU waits for @p after first.
class Backend {
public:
    virtual ~Backend() = default;
    virtual const DeviceLimits& limits() const = 0;
    /// Makes @p kernel ready to run (the device backend maps its program).
    virtual ExecResult prepare(BuiltKernel& kernel) = 0;
    /// The device reads the kernel's code and what @p args point to while it
    /// runs: the caller keeps them until the Completion has ended.
    virtual Completion dispatch(const BuiltKernel& kernel, std::array<std::uint32_t, 3> groups,
                                std::array<std::uint32_t, 3> lanes, std::span<const std::uint64_t> args,
                                const Dependencies& after) = 0;
    /// The pieces in order, as one command.
    virtual Completion copy(std::span<const CopyPiece> pieces, const Dependencies& after) = 0;
    /// @p size bytes at @p dst become repetitions of the @p patternSize bytes at @p pattern.
    virtual Completion fill(void* dst, const void* pattern, std::size_t patternSize, std::size_t size,
                            const Dependencies& after) = 0;
};

/// VSVM_OPENCL_BACKEND: "emu" gives the emulator backend, anything else (or
/// nothing) the device one. Null with @p why filled when there is no device.
std::unique_ptr<Backend> makeBackend(std::string& why);

/// One kernel of a built program.
struct BuiltKernel {
    cc::CompiledKernel compiled;
    /// Parameters the OpenCL program sees (without the hidden private stack).
    std::size_t userArgs = 0;
    /// How each of them is passed: the compiler's kernelParams, or one
    /// slot each when it gave none.
    std::vector<cc::KernelParamLayout> params;
    /// The device backend's mapped program.
    std::optional<vsvm::Kernel> deviceKernel;
    /// What the OpenCL C source said of each parameter (clGetKernelArgInfo);
    /// empty for a program from SPIR-V or a link.
    std::vector<frontend::KernelArgInfo> argInfo;
    /// Built with -cl-kernel-arg-info: argInfo's names may be given.
    bool argNames = false;
};

/// What clSetKernelArg stored for one parameter.
struct ArgValue {
    std::vector<std::uint64_t> slots; ///< the parameter's slots; a __local one gets its offset at launch
    std::size_t localBytes = 0;       ///< __local: the bytes to reserve in the workgroup's LDS
    cl_mem mem = nullptr;             ///< a buffer: a launch keeps it until the kernel has ended
};

/// Where a launch puts a kernel's __local buffers: after its own workgroup
/// variables, each aligned for any OpenCL C type.
struct LocalLayout {
    std::vector<std::uint64_t> slots; ///< every argument slot, __local offsets filled in
    std::uint64_t ldsBytes = 0;       ///< static plus dynamic, alignment included
    bool complete = true;             ///< false: an argument is not set (its slots are 0)
};

/// The layout of @p kernel's arguments as they are now (caller holds kernel->mutex).
LocalLayout layoutArgs(const _cl_kernel& kernel);

/// A command's work: the device jobs it submits after @p after, or what it
/// did on the host (after waiting for @p after).
using Work = std::function<Completion(const Dependencies& after)>;

/// What a command whose jobs were submitted keeps until its event is
/// finished.
struct InFlight {
    std::vector<cl_event> waits; ///< its wait list (references): one that failed fails the command
    std::vector<cl_mem> uses;    ///< the buffers it uses (references)
    Work work;                   ///< its captures: what the device reads while the jobs run
};

/// Writes "vsvm opencl: ..." to stderr.
void logLine(const std::string& message);

} // namespace vsvm::opencl

struct _cl_platform_id : vsvm::opencl::Object {
    _cl_platform_id();
    std::unique_ptr<vsvm::opencl::Backend> backend;
    std::string noDevice;
};

struct _cl_device_id : vsvm::opencl::Object {
    _cl_device_id();
    cl_platform_id platform = nullptr;
};

struct _cl_context : vsvm::opencl::Object {
    _cl_context();
    cl_device_id device = nullptr;
    std::vector<cl_context_properties> properties;
    void(CL_CALLBACK* notify)(const char*, const void*, size_t, void*) = nullptr;
    void* notifyData = nullptr;
    std::mutex callbackMutex;
    std::vector<std::pair<void(CL_CALLBACK*)(cl_context, void*), void*>> destructorCallbacks;
    /// clSVMAlloc'd blocks and their sizes.
    std::mutex svmMutex;
    std::map<void*, std::size_t> svm;
    vsvm::opencl::Backend& backend() const { return *device->platform->backend; }
};

struct _cl_command_queue : vsvm::opencl::Object {
    _cl_command_queue();
    cl_context context = nullptr;
    cl_device_id device = nullptr;
    cl_command_queue_properties properties = 0;
    std::vector<cl_queue_properties> propertyList;
    /// Commands are submitted one at a time, in the order they were
    /// enqueued; lastJob is the last device job, which the next waits for.
    std::mutex mutex;
    std::shared_ptr<const vsvm::opencl::Completion> lastJob;
    /// The events of the commands whose jobs were submitted and that are not
    /// finished yet, in their order (a reference each).
    std::mutex inflightMutex;
    std::deque<cl_event> inflight;
    /// Under inflightMutex: the events taken off inflight whose finishing
    /// (onEnd, status, callbacks) has not ended; clFinish waits for them too.
    std::vector<cl_event> finishing;
};

struct _cl_mem : vsvm::opencl::Object {
    _cl_mem();
    cl_context context = nullptr;
    cl_mem_flags flags = 0;
    std::size_t size = 0;
    void* host = nullptr;
    void* userPtr = nullptr;
    bool owned = false;
    cl_mem parent = nullptr;
    std::size_t origin = 0;
    std::atomic<cl_uint> mapCount{0};
    std::vector<cl_mem_properties> properties;
    std::mutex callbackMutex;
    std::vector<std::pair<void(CL_CALLBACK*)(cl_mem, void*), void*>> destructorCallbacks;
};

struct _cl_program : vsvm::opencl::Object {
    _cl_program();
    cl_context context = nullptr;
    std::string source;
    std::vector<std::uint32_t> il;
    bool fromIl = false;
    std::mutex mutex;
    cl_build_status buildStatus = CL_BUILD_NONE;
    std::string options;
    std::string log;
    /// The SPIR-V of the last successful build.
    std::vector<std::uint32_t> spirv;
    /// What clCompileProgram made, or clLinkProgram with -create-library:
    /// SPIR-V whose builtins are not linked yet.
    std::vector<std::uint32_t> object;
    cl_program_binary_type binaryType = CL_PROGRAM_BINARY_TYPE_NONE;
    std::map<std::string, std::shared_ptr<vsvm::opencl::BuiltKernel>> kernels;
    std::atomic<cl_uint> attachedKernels{0};
};

struct _cl_kernel : vsvm::opencl::Object {
    _cl_kernel();
    cl_program program = nullptr;
    std::string name;
    std::shared_ptr<vsvm::opencl::BuiltKernel> built;
    std::mutex mutex;
    std::vector<std::optional<vsvm::opencl::ArgValue>> args;
};

struct _cl_event : vsvm::opencl::Object {
    _cl_event();
    cl_context context = nullptr;
    cl_command_queue queue = nullptr;
    cl_command_type type = 0;
    std::mutex mutex;
    std::condition_variable changed;
    cl_int status = CL_QUEUED;
    /// The callbacks of its final status have run (waiters wait for that).
    bool finished = false;
    std::array<cl_ulong, 4> times{};
    /// The jobs of its command, once submitted (set once, under mutex).
    std::shared_ptr<const vsvm::opencl::Completion> completion;
    /// Under the queue's inflightMutex, while in the queue's inflight list.
    std::optional<vsvm::opencl::InFlight> inflight;
    std::vector<std::pair<cl_int, std::pair<void(CL_CALLBACK*)(cl_event, cl_int, void*), void*>>> callbacks;
    /// What its command does once its work has ended, given its final
    /// status before it is set: a kernel's printf output, an SVM free (set
    /// before it runs, run once).
    std::function<void(cl_int status)> onEnd;
};

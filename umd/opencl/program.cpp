// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// Programs (OpenCL C and SPIR-V, built in-process by vsvm/compile.h) and kernels.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <new>
#include <span>
#include <sstream>

#include <fmt/format.h>

#include "cache.h"
#include "info.h"
#include "vsvm/compile.h"

using namespace vsvm::opencl;
using namespace vsvm;

_cl_program::_cl_program() : Object(Kind::Program) {}
_cl_kernel::_cl_kernel() : Object(Kind::Kernel) {}

namespace {

constexpr std::uint32_t kSpirvMagic = 0x07230203;

// SPIR-V bytes in host order: empty when they are not a SPIR-V module.
std::vector<std::uint32_t> spirvWords(const void* bytes, std::size_t length)
{
    if (!bytes || length < 20 || length % 4)
        return {};
    std::vector<std::uint32_t> words(length / 4);
    std::memcpy(words.data(), bytes, length);
    if (words[0] == __builtin_bswap32(kSpirvMagic))
        for (std::uint32_t& w : words)
            w = __builtin_bswap32(w);
    if (words[0] != kSpirvMagic)
        return {};
    return words;
}

// The names of the module's kernels (OpEntryPoint Kernel), in module order.
std::vector<std::string> kernelNames(const std::vector<std::uint32_t>& words)
{
    constexpr std::uint32_t kOpEntryPoint = 15, kExecutionModelKernel = 6;
    std::vector<std::string> names;
    for (std::size_t i = 5; i < words.size();) {
        std::uint32_t count = words[i] >> 16, opcode = words[i] & 0xffff;
        if (count == 0 || i + count > words.size())
            break;
        if (opcode == kOpEntryPoint && count > 3 && words[i + 1] == kExecutionModelKernel) {
            const char* text = reinterpret_cast<const char*>(&words[i + 3]);
            names.emplace_back(text, strnlen(text, (count - 3) * 4));
        }
        i += count;
    }
    return names;
}

cl_program makeProgram(cl_context context, cl_int* errcode)
{
    auto* program = new (std::nothrow) _cl_program;
    if (!program) {
        setError(errcode, CL_OUT_OF_HOST_MEMORY);
        return nullptr;
    }
    program->context = context;
    clRetainContext(context);
    setError(errcode, CL_SUCCESS);
    return program;
}

// A program whose source is SPIR-V (clCreateProgramWithIL, ...WithBinary).
cl_program makeSpirvProgram(cl_context context, std::vector<std::uint32_t> words, cl_int* errcode)
{
    cl_program program = makeProgram(context, errcode);
    if (program) {
        program->il = std::move(words);
        program->fromIl = true;
    }
    return program;
}

// Build options to front-end options; false for an option that is not one.
bool parseOptions(const std::string& text, compile::Options& options, std::string& bad)
{
    std::istringstream in(text);
    std::vector<std::string> tokens;
    for (std::string t; in >> t;)
        tokens.push_back(t);
    frontend::OpenclOptions& cl = options.opencl;
    cl.sourceName = "program.cl";
    // The device's OpenCL version (CL_DEVICE_VERSION), which OpenCL C
    // gives programs and clang does not know for spir64.
    cl.defines.push_back("__OPENCL_VERSION__=300");
    for (std::size_t i = 0; i < tokens.size(); i++) {
        const std::string& t = tokens[i];
        auto operand = [&](std::size_t prefix) -> std::optional<std::string> {
            if (t.size() > prefix)
                return t.substr(prefix);
            if (i + 1 < tokens.size())
                return tokens[++i];
            return std::nullopt;
        };
        if (t.starts_with("-D") || t.starts_with("-I")) {
            std::optional<std::string> value = operand(2);
            if (!value) {
                bad = t;
                return false;
            }
            (t[1] == 'D' ? cl.defines : cl.includeDirs).push_back(*value);
        } else if (t.starts_with("-cl-std=")) {
            std::string v = t.substr(8);
            if (v == "CL1.0" || v == "CL1.1" || v == "CL1.2")
                cl.clStd = "CL1.2";
            else if (v == "CL3.0")
                cl.clStd = "CL3.0";
            else {
                bad = t;
                return false;
            }
        } else if (t == "-cl-opt-disable") {
            cl.optLevel = 0;
            options.cc.optLevel = 0;
        } else if (t == "-cl-kernel-arg-info") {
            // Argument information is always kept.
        } else if (t == "-Werror") {
            cl.warningsAsErrors = true;
        } else if (t == "-w") {
            // Warnings only reach the build log.
        } else if (t.starts_with("-cl-") || t.starts_with("-W")) {
            cl.buildOptions.push_back(t);
        } else {
            bad = t;
            return false;
        }
    }
    return true;
}

// The kernels of @p words, compiled by the back end: the build's second
// half, shared by clBuildProgram and clLinkProgram. Called with the
// program's mutex held.
cl_int compileKernels(cl_program program, std::vector<std::uint32_t> words, const compile::Options& options,
                      const std::map<std::string, std::vector<frontend::KernelArgInfo>>& kernelArgs = {})
{
    std::vector<std::string> names = kernelNames(words);
    Backend& backend = program->context->backend();
    std::map<std::string, std::shared_ptr<BuiltKernel>> kernels;
    bool failed = false;
    // Every kernel is compiled now, so that a kernel the back end cannot
    // compile is a build error with its diagnostics, not a later surprise.
    for (const std::string& name : names) {
        compile::Options one = options;
        one.cc.entryPoint = name;
        // Global offsets, get_work_dim() and more arguments than registers
        // reach OpenCL kernels through a block each launch writes.
        one.cc.launchBlock = true;
        Result<cc::CompiledKernel> compiled = compile::compileSpirv(words, one);
        if (!compiled) {
            program->log += "kernel " + name + ": " + compiled.status().message() + "\n";
            failed = true;
            continue;
        }
        auto built = std::make_shared<BuiltKernel>();
        built->compiled = std::move(compiled).value();
        built->userArgs = built->compiled.program.signature ? built->compiled.program.signature->params.size() : 0;
        if (built->compiled.privateBytesPerLane && built->userArgs)
            built->userArgs--;
        built->params = built->compiled.kernelParams;
        if (built->params.empty() && !built->compiled.launchSlot) {
            // A module without OpenCL parameters (a GLSL shader as IL): one slot each.
            for (std::size_t i = 0; i < built->userArgs; i++) {
                bool ptr = built->compiled.program.signature->params[i].type == ArgType::Ptr;
                built->params.push_back({ptr ? cc::KernelParamLayout::Kind::Global : cc::KernelParamLayout::Kind::Scalar,
                                         static_cast<std::uint32_t>(i), 1, 0});
            }
        }
        built->userArgs = built->params.size();
        // What OpenCL C said of the parameters, when the program was source.
        if (auto args = kernelArgs.find(name); args != kernelArgs.end() && args->second.size() == built->userArgs)
            built->argInfo = args->second;
        // OpenCL: names only with -cl-kernel-arg-info.
        built->argNames = (" " + program->options + " ").find(" -cl-kernel-arg-info ") != std::string::npos;
        if (ExecResult ready = backend.prepare(*built); ready.status != CL_COMPLETE) {
            program->log += "kernel " + name + ": " + ready.error + "\n";
            failed = true;
            continue;
        }
        kernels.emplace(name, std::move(built));
    }
    if (failed) {
        program->buildStatus = CL_BUILD_ERROR;
        return CL_BUILD_PROGRAM_FAILURE;
    }
    program->kernels = std::move(kernels);
    program->spirv = std::move(words);
    program->buildStatus = CL_BUILD_SUCCESS;
    program->binaryType = CL_PROGRAM_BINARY_TYPE_EXECUTABLE;
    return CL_SUCCESS;
}

// What clBuildProgram and clCompileProgram do first, with the program's
// mutex held: forget the last build and take the options. CL_SUCCESS, or
// what to return: CL_INVALID_OPERATION while kernels are attached,
// @p invalidOptions for options that are not.
cl_int startBuild(cl_program program, const char* optionText, compile::Options& options, cl_int invalidOptions)
{
    if (program->attachedKernels.load() > 0)
        return CL_INVALID_OPERATION;
    program->options = optionText ? optionText : "";
    program->kernels.clear();
    program->spirv.clear();
    program->object.clear();
    program->binaryType = CL_PROGRAM_BINARY_TYPE_NONE;
    std::string bad;
    if (!parseOptions(program->options, options, bad)) {
        program->buildStatus = CL_BUILD_ERROR;
        program->log = "invalid option: " + bad + "\n";
        return invalidOptions;
    }
    // OpenCL C's extension macros are the device's (CL_DEVICE_EXTENSIONS).
    options.opencl.extensions = openclCMacros(program->context->backend().limits());
    program->buildStatus = CL_BUILD_IN_PROGRESS;
    program->log.clear();
    return CL_SUCCESS;
}

cl_int build(cl_program program, const char* optionText)
{
    std::lock_guard lock(program->mutex);
    compile::Options options;
    if (cl_int e = startBuild(program, optionText, options, CL_INVALID_BUILD_OPTIONS); e != CL_SUCCESS)
        return e;
    std::vector<std::uint32_t> words;
    std::map<std::string, std::vector<frontend::KernelArgInfo>> kernelArgs;
    if (program->fromIl) {
        words = program->il;
    } else {
        Result<frontend::Module> module = cachedOpenclToSpirv(program->source, program->options, options.opencl);
        if (!module) {
            program->buildStatus = CL_BUILD_ERROR;
            program->log = module.status().message() + "\n";
            return CL_BUILD_PROGRAM_FAILURE;
        }
        program->log = module->warnings;
        words = std::move(module->words);
        kernelArgs = std::move(module->kernelArgs);
    }
    return compileKernels(program, std::move(words), options, kernelArgs);
}

// clCompileProgram's headers, written where clang finds them by their
// include names; removed with the object.
class HeaderDir {
public:
    HeaderDir() = default;
    HeaderDir(const HeaderDir&) = delete;
    HeaderDir& operator=(const HeaderDir&) = delete;
    ~HeaderDir()
    {
        if (!path_.empty()) {
            std::error_code error;
            std::filesystem::remove_all(path_, error);
        }
    }
    bool create()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "vsvm-cl-headers.XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            return false;
        path_ = pattern;
        return true;
    }
    // False for a name that would leave the directory.
    bool write(const std::string& name, const std::string& text)
    {
        std::filesystem::path relative(name);
        if (name.empty() || relative.is_absolute())
            return false;
        for (const auto& part : relative)
            if (part == "..")
                return false;
        std::filesystem::path file = path_ / relative;
        std::error_code error;
        std::filesystem::create_directories(file.parent_path(), error);
        std::ofstream out(file, std::ios::binary);
        out << text;
        return static_cast<bool>(out);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

cl_int compileObject(cl_program program, const char* optionText, std::span<const cl_program> headers,
                     const char** names)
{
    std::lock_guard lock(program->mutex);
    compile::Options options;
    if (cl_int e = startBuild(program, optionText, options, CL_INVALID_COMPILER_OPTIONS); e != CL_SUCCESS)
        return e;
    if (program->fromIl) {
        // SPIR-V is already an object.
        program->object = program->il;
    } else {
        HeaderDir dir;
        if (!headers.empty()) {
            if (!dir.create()) {
                program->buildStatus = CL_BUILD_ERROR;
                return CL_OUT_OF_HOST_MEMORY;
            }
            for (std::size_t i = 0; i < headers.size(); i++) {
                if (!dir.write(names[i], headers[i]->source)) {
                    program->buildStatus = CL_BUILD_ERROR;
                    program->log = fmt::format("cannot write the header \"{}\"\n", names[i]);
                    return CL_COMPILE_PROGRAM_FAILURE;
                }
            }
            options.opencl.includeDirs.push_back(dir.path().string());
        }
        // Builtins are linked once, into the linked program.
        options.opencl.linkLibclc = false;
        Result<frontend::Module> module =
            headers.empty() ? cachedOpenclToSpirv(program->source, program->options + " (object)", options.opencl)
                            : frontend::openclToSpirv(program->source, options.opencl);
        if (!module) {
            program->buildStatus = CL_BUILD_ERROR;
            program->log = module.status().message() + "\n";
            return CL_COMPILE_PROGRAM_FAILURE;
        }
        program->log = module->warnings;
        program->object = std::move(module->words);
    }
    program->buildStatus = CL_BUILD_SUCCESS;
    program->binaryType = CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT;
    return CL_SUCCESS;
}

// clLinkProgram's options: -create-library, -enable-link-options and the
// math options that clBuildProgram also takes (they changed the objects'
// code already, so the link has nothing to do with them).
bool parseLinkOptions(const std::string& text, bool& library, std::string& bad)
{
    std::istringstream in(text);
    library = false;
    for (std::string t; in >> t;) {
        if (t == "-create-library")
            library = true;
        else if (t != "-enable-link-options" && t != "-cl-denorms-are-zero" && t != "-cl-no-signed-zeros" &&
                 t != "-cl-unsafe-math-optimizations" && t != "-cl-finite-math-only" &&
                 t != "-cl-fast-relaxed-math" && t != "-cl-no-subgroup-ifp") {
            bad = t;
            return false;
        }
    }
    return true;
}

std::string joinedKernelNames(cl_program program)
{
    std::string out;
    for (const auto& [name, kernel] : program->kernels)
        out += (out.empty() ? "" : ";") + name;
    return out;
}

void destroy(cl_program program)
{
    cl_context context = program->context;
    delete program;
    clReleaseContext(context);
}

} // namespace

cl_program CL_API_CALL clCreateProgramWithSource(cl_context context, cl_uint count, const char** strings,
                                                 const size_t* lengths, cl_int* errcode)
{
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    if (count == 0 || !strings) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    std::string source;
    for (cl_uint i = 0; i < count; i++) {
        if (!strings[i]) {
            setError(errcode, CL_INVALID_VALUE);
            return nullptr;
        }
        if (lengths && lengths[i])
            source.append(strings[i], lengths[i]);
        else
            source.append(strings[i]);
    }
    cl_program program = makeProgram(context, errcode);
    if (program)
        program->source = std::move(source);
    return program;
}

cl_program CL_API_CALL clCreateProgramWithIL(cl_context context, const void* il, size_t length, cl_int* errcode)
{
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    std::vector<std::uint32_t> words = spirvWords(il, length);
    if (words.empty()) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    return makeSpirvProgram(context, std::move(words), errcode);
}

cl_program CL_API_CALL clCreateProgramWithBinary(cl_context context, cl_uint num_devices, const cl_device_id* devices,
                                                 const size_t* lengths, const unsigned char** binaries,
                                                 cl_int* binaryStatus, cl_int* errcode)
{
    // A program's binary is its SPIR-V (CL_PROGRAM_BINARIES).
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    if (!devices || num_devices != 1 || !lengths || !binaries) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    if (devices[0] != context->device) {
        setError(errcode, CL_INVALID_DEVICE);
        return nullptr;
    }
    if (!binaries[0] || lengths[0] == 0) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    std::vector<std::uint32_t> words = spirvWords(binaries[0], lengths[0]);
    if (binaryStatus)
        binaryStatus[0] = words.empty() ? CL_INVALID_BINARY : CL_SUCCESS;
    if (words.empty()) {
        setError(errcode, CL_INVALID_BINARY);
        return nullptr;
    }
    return makeSpirvProgram(context, std::move(words), errcode);
}

cl_program CL_API_CALL clCreateProgramWithBuiltInKernels(cl_context context, cl_uint, const cl_device_id*,
                                                         const char*, cl_int* errcode)
{
    // The device has no built-in kernels, so no name is one of them.
    setError(errcode, isValid(context, Kind::Context) ? CL_INVALID_VALUE : CL_INVALID_CONTEXT);
    return nullptr;
}

cl_int CL_API_CALL clRetainProgram(cl_program program)
{
    return retainObject(program, Kind::Program, CL_INVALID_PROGRAM);
}

cl_int CL_API_CALL clReleaseProgram(cl_program program)
{
    return releaseObject(program, Kind::Program, CL_INVALID_PROGRAM, destroy);
}

namespace {

// The device list of clBuildProgram, clCompileProgram and clLinkProgram:
// CL_INVALID_VALUE when the count and the list disagree, CL_INVALID_DEVICE
// for a device that is not the context's.
cl_int checkDeviceList(cl_context context, cl_uint count, const cl_device_id* devices)
{
    if ((devices == nullptr) != (count == 0))
        return CL_INVALID_VALUE;
    for (cl_uint i = 0; i < count; i++)
        if (devices[i] != context->device)
            return CL_INVALID_DEVICE;
    return CL_SUCCESS;
}

// The end of a build or compile: the log of a failure, then the callback
// (not for CL_INVALID_OPERATION, when nothing was done).
cl_int finishBuild(cl_program program, cl_int result, const char* what, void(CL_CALLBACK* notify)(cl_program, void*),
                   void* data)
{
    if (result != CL_SUCCESS && result != CL_INVALID_OPERATION)
        logLine(std::string(what) + " failed:\n" + program->log);
    if (notify && result != CL_INVALID_OPERATION)
        notify(program, data);
    return result;
}

} // namespace

cl_int CL_API_CALL clBuildProgram(cl_program program, cl_uint num_devices, const cl_device_id* devices,
                                  const char* options, void(CL_CALLBACK* notify)(cl_program, void*), void* data)
{
    if (!isValid(program, Kind::Program))
        return CL_INVALID_PROGRAM;
    if (!notify && data)
        return CL_INVALID_VALUE;
    if (cl_int e = checkDeviceList(program->context, num_devices, devices); e != CL_SUCCESS)
        return e;
    return finishBuild(program, build(program, options), "build", notify, data);
}

cl_int CL_API_CALL clCompileProgram(cl_program program, cl_uint num_devices, const cl_device_id* devices,
                                    const char* options, cl_uint num_headers, const cl_program* headers,
                                    const char** header_names, void(CL_CALLBACK* notify)(cl_program, void*),
                                    void* data)
{
    if (!isValid(program, Kind::Program))
        return CL_INVALID_PROGRAM;
    if ((!notify && data) || (num_headers == 0 ? (headers || header_names) : (!headers || !header_names)))
        return CL_INVALID_VALUE;
    if (cl_int e = checkDeviceList(program->context, num_devices, devices); e != CL_SUCCESS)
        return e;
    for (cl_uint i = 0; i < num_headers; i++) {
        if (!isValid(headers[i], Kind::Program) || headers[i]->fromIl || !header_names[i])
            return CL_INVALID_VALUE;
    }
    return finishBuild(program, compileObject(program, options, std::span(headers, num_headers), header_names),
                       "compile", notify, data);
}

cl_program CL_API_CALL clLinkProgram(cl_context context, cl_uint num_devices, const cl_device_id* devices,
                                     const char* options, cl_uint num_inputs, const cl_program* inputs,
                                     void(CL_CALLBACK* notify)(cl_program, void*), void* data, cl_int* errcode)
{
    if (!isValid(context, Kind::Context)) {
        setError(errcode, CL_INVALID_CONTEXT);
        return nullptr;
    }
    if ((!notify && data) || num_inputs == 0 || !inputs) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    if (cl_int e = checkDeviceList(context, num_devices, devices); e != CL_SUCCESS) {
        setError(errcode, e);
        return nullptr;
    }
    std::vector<std::vector<std::uint32_t>> objects;
    for (cl_uint i = 0; i < num_inputs; i++) {
        if (!isValid(inputs[i], Kind::Program) || inputs[i]->context != context) {
            setError(errcode, CL_INVALID_PROGRAM);
            return nullptr;
        }
        std::lock_guard lock(inputs[i]->mutex);
        if (inputs[i]->binaryType != CL_PROGRAM_BINARY_TYPE_COMPILED_OBJECT &&
            inputs[i]->binaryType != CL_PROGRAM_BINARY_TYPE_LIBRARY) {
            setError(errcode, CL_INVALID_OPERATION);
            return nullptr;
        }
        objects.push_back(inputs[i]->object);
    }
    bool library = false;
    std::string bad;
    if (!parseLinkOptions(options ? options : "", library, bad)) {
        logLine("invalid link option: " + bad);
        setError(errcode, CL_INVALID_LINKER_OPTIONS);
        return nullptr;
    }
    cl_program program = makeProgram(context, errcode);
    if (!program)
        return nullptr;
    cl_int result = CL_SUCCESS;
    {
        std::lock_guard lock(program->mutex);
        program->options = options ? options : "";
        compile::Options compileOptions;
        Result<std::vector<std::uint32_t>> linked =
            frontend::linkOpenclObjects(std::move(objects), compileOptions.opencl, library);
        if (!linked) {
            program->buildStatus = CL_BUILD_ERROR;
            program->log = linked.status().message() + "\n";
            result = CL_LINK_PROGRAM_FAILURE;
        } else if (library) {
            program->object = std::move(*linked);
            program->buildStatus = CL_BUILD_SUCCESS;
            program->binaryType = CL_PROGRAM_BINARY_TYPE_LIBRARY;
        } else if (compileKernels(program, std::move(*linked), compileOptions) != CL_SUCCESS) {
            result = CL_LINK_PROGRAM_FAILURE;
        }
    }
    if (result != CL_SUCCESS)
        logLine("link failed:\n" + program->log);
    if (notify)
        notify(program, data);
    // A failed link still gives the program, for its build log.
    setError(errcode, result);
    return program;
}

cl_int CL_API_CALL clUnloadCompiler()
{
    return CL_SUCCESS;
}

cl_int CL_API_CALL clUnloadPlatformCompiler(cl_platform_id platform)
{
    return isValid(platform, Kind::Platform) ? CL_SUCCESS : CL_INVALID_PLATFORM;
}

cl_int CL_API_CALL clGetProgramInfo(cl_program program, cl_program_info param, size_t size, void* value,
                                    size_t* sizeRet)
{
    if (!isValid(program, Kind::Program))
        return CL_INVALID_PROGRAM;
    std::lock_guard lock(program->mutex);
    bool built = program->buildStatus == CL_BUILD_SUCCESS;
    switch (param) {
    case CL_PROGRAM_REFERENCE_COUNT:
        return answer<cl_uint>(size, value, sizeRet, program->refs.load());
    case CL_PROGRAM_CONTEXT:
        return answer(size, value, sizeRet, program->context);
    case CL_PROGRAM_NUM_DEVICES:
        return answer<cl_uint>(size, value, sizeRet, 1);
    case CL_PROGRAM_DEVICES:
        return answer(size, value, sizeRet, program->context->device);
    case CL_PROGRAM_SOURCE:
        return answerString(size, value, sizeRet, program->fromIl ? std::string() : program->source);
    case CL_PROGRAM_IL:
        if (!program->fromIl)
            return answerBytes(size, value, sizeRet, nullptr, 0);
        return answerVector(size, value, sizeRet, program->il);
    case CL_PROGRAM_BINARY_SIZES:
        return answer<size_t>(size, value, sizeRet, program->spirv.size() * 4);
    case CL_PROGRAM_BINARIES: {
        if (value) {
            if (size < sizeof(unsigned char*))
                return CL_INVALID_VALUE;
            auto* out = static_cast<unsigned char**>(value);
            if (out[0] && !program->spirv.empty())
                std::memcpy(out[0], program->spirv.data(), program->spirv.size() * 4);
        }
        if (sizeRet)
            *sizeRet = sizeof(unsigned char*);
        return CL_SUCCESS;
    }
    case CL_PROGRAM_NUM_KERNELS:
        if (!built)
            return CL_INVALID_PROGRAM_EXECUTABLE;
        return answer<size_t>(size, value, sizeRet, program->kernels.size());
    case CL_PROGRAM_KERNEL_NAMES:
        if (!built)
            return CL_INVALID_PROGRAM_EXECUTABLE;
        return answerString(size, value, sizeRet, joinedKernelNames(program));
    case CL_PROGRAM_SCOPE_GLOBAL_CTORS_PRESENT:
    case CL_PROGRAM_SCOPE_GLOBAL_DTORS_PRESENT:
        return answer<cl_bool>(size, value, sizeRet, CL_FALSE);
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clGetProgramBuildInfo(cl_program program, cl_device_id device, cl_program_build_info param,
                                         size_t size, void* value, size_t* sizeRet)
{
    if (!isValid(program, Kind::Program))
        return CL_INVALID_PROGRAM;
    if (device != program->context->device)
        return CL_INVALID_DEVICE;
    std::lock_guard lock(program->mutex);
    switch (param) {
    case CL_PROGRAM_BUILD_STATUS:
        return answer(size, value, sizeRet, program->buildStatus);
    case CL_PROGRAM_BUILD_OPTIONS:
        return answerString(size, value, sizeRet, program->options);
    case CL_PROGRAM_BUILD_LOG:
        return answerString(size, value, sizeRet, program->log);
    case CL_PROGRAM_BINARY_TYPE:
        return answer<cl_program_binary_type>(size, value, sizeRet, program->binaryType);
    case CL_PROGRAM_BUILD_GLOBAL_VARIABLE_TOTAL_SIZE:
        return answer<size_t>(size, value, sizeRet, 0);
    default:
        return CL_INVALID_VALUE;
    }
}

// Kernels.

namespace {

cl_kernel makeKernel(cl_program program, const std::string& name, std::shared_ptr<BuiltKernel> built)
{
    auto* kernel = new (std::nothrow) _cl_kernel;
    if (!kernel)
        return nullptr;
    kernel->program = program;
    kernel->name = name;
    kernel->args.resize(built->userArgs);
    kernel->built = std::move(built);
    clRetainProgram(program);
    program->attachedKernels++;
    return kernel;
}

const KernelParam& paramOf(cl_kernel kernel, cl_uint index)
{
    const cc::KernelParamLayout& layout = kernel->built->params[index];
    const cc::CompiledKernel& compiled = kernel->built->compiled;
    return (layout.inLaunchBlock ? compiled.launchSignature : *compiled.program.signature).params[layout.firstSlot];
}

const cc::KernelParamLayout& layoutOf(cl_kernel kernel, cl_uint index)
{
    return kernel->built->params[index];
}

// Any OpenCL C type (long16 is the largest) may live in a __local buffer.
constexpr std::uint64_t kLocalAlign = 128;

} // namespace

LocalLayout vsvm::opencl::layoutArgs(const _cl_kernel& kernel)
{
    LocalLayout out;
    const BuiltKernel& built = *kernel.built;
    std::uint64_t lds = built.compiled.ldsBytes;
    for (std::size_t i = 0; i < built.params.size(); i++) {
        const cc::KernelParamLayout& p = built.params[i];
        const std::optional<ArgValue>& a = kernel.args[i];
        if (!a) {
            out.complete = false;
            out.slots.insert(out.slots.end(), p.slots, 0);
            continue;
        }
        if (p.kind == cc::KernelParamLayout::Kind::Local) {
            lds = (lds + kLocalAlign - 1) / kLocalAlign * kLocalAlign;
            out.slots.push_back(lds);
            lds += a->localBytes;
            continue;
        }
        out.slots.insert(out.slots.end(), a->slots.begin(), a->slots.end());
    }
    out.ldsBytes = lds;
    return out;
}

cl_kernel CL_API_CALL clCreateKernel(cl_program program, const char* name, cl_int* errcode)
{
    if (!isValid(program, Kind::Program)) {
        setError(errcode, CL_INVALID_PROGRAM);
        return nullptr;
    }
    if (!name) {
        setError(errcode, CL_INVALID_VALUE);
        return nullptr;
    }
    std::lock_guard lock(program->mutex);
    if (program->buildStatus != CL_BUILD_SUCCESS) {
        setError(errcode, CL_INVALID_PROGRAM_EXECUTABLE);
        return nullptr;
    }
    auto it = program->kernels.find(name);
    if (it == program->kernels.end()) {
        setError(errcode, CL_INVALID_KERNEL_NAME);
        return nullptr;
    }
    cl_kernel kernel = makeKernel(program, name, it->second);
    setError(errcode, kernel ? CL_SUCCESS : CL_OUT_OF_HOST_MEMORY);
    return kernel;
}

cl_int CL_API_CALL clCreateKernelsInProgram(cl_program program, cl_uint count, cl_kernel* kernels, cl_uint* countRet)
{
    if (!isValid(program, Kind::Program))
        return CL_INVALID_PROGRAM;
    std::lock_guard lock(program->mutex);
    if (program->buildStatus != CL_BUILD_SUCCESS)
        return CL_INVALID_PROGRAM_EXECUTABLE;
    if (kernels && count < program->kernels.size())
        return CL_INVALID_VALUE;
    if (kernels) {
        cl_uint i = 0;
        for (const auto& [name, built] : program->kernels)
            kernels[i++] = makeKernel(program, name, built);
    }
    if (countRet)
        *countRet = static_cast<cl_uint>(program->kernels.size());
    return CL_SUCCESS;
}

cl_kernel CL_API_CALL clCloneKernel(cl_kernel source, cl_int* errcode)
{
    if (!isValid(source, Kind::Kernel)) {
        setError(errcode, CL_INVALID_KERNEL);
        return nullptr;
    }
    cl_kernel kernel = makeKernel(source->program, source->name, source->built);
    if (kernel) {
        std::lock_guard lock(source->mutex);
        kernel->args = source->args;
    }
    setError(errcode, kernel ? CL_SUCCESS : CL_OUT_OF_HOST_MEMORY);
    return kernel;
}

cl_int CL_API_CALL clRetainKernel(cl_kernel kernel)
{
    return retainObject(kernel, Kind::Kernel, CL_INVALID_KERNEL);
}

cl_int CL_API_CALL clReleaseKernel(cl_kernel kernel)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (--kernel->refs == 0) {
        cl_program program = kernel->program;
        program->attachedKernels--;
        delete kernel;
        clReleaseProgram(program);
    }
    return CL_SUCCESS;
}

cl_int CL_API_CALL clSetKernelArg(cl_kernel kernel, cl_uint index, size_t size, const void* value)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (index >= kernel->built->userArgs)
        return CL_INVALID_ARG_INDEX;
    const cc::KernelParamLayout& layout = layoutOf(kernel, index);
    ArgValue arg;
    switch (layout.kind) {
    case cc::KernelParamLayout::Kind::Local:
        // Only a size: the launch places the buffer in the LDS.
        if (value)
            return CL_INVALID_ARG_VALUE;
        if (size == 0)
            return CL_INVALID_ARG_SIZE;
        arg.localBytes = size;
        break;
    case cc::KernelParamLayout::Kind::Vector:
        if (size != layout.bytes)
            return CL_INVALID_ARG_SIZE;
        if (!value)
            return CL_INVALID_ARG_VALUE;
        arg.slots.assign(layout.slots, 0);
        std::memcpy(arg.slots.data(), value, size);
        break;
    default:
        break;
    }
    if (layout.kind == cc::KernelParamLayout::Kind::Local || layout.kind == cc::KernelParamLayout::Kind::Vector) {
        std::lock_guard lock(kernel->mutex);
        kernel->args[index] = std::move(arg);
        return CL_SUCCESS;
    }
    std::uint64_t bits = 0;
    switch (paramOf(kernel, index).type) {
    case ArgType::Ptr: {
        // A buffer (or NULL) by its cl_mem.
        if (size != sizeof(cl_mem))
            return CL_INVALID_ARG_SIZE;
        cl_mem mem = value ? *static_cast<const cl_mem*>(value) : nullptr;
        if (mem) {
            if (!isValid(mem, Kind::Mem) || mem->context != kernel->program->context)
                return CL_INVALID_MEM_OBJECT;
            bits = reinterpret_cast<std::uintptr_t>(mem->host);
        }
        arg.mem = mem;
        break;
    }
    case ArgType::U32:
    case ArgType::I32: {
        if (size != 1 && size != 2 && size != 4)
            return CL_INVALID_ARG_SIZE;
        if (!value)
            return CL_INVALID_ARG_VALUE;
        bool isSigned = paramOf(kernel, index).type == ArgType::I32;
        std::uint32_t raw = 0;
        std::memcpy(&raw, value, size);
        unsigned shift = 64 - 8 * static_cast<unsigned>(size);
        bits = isSigned ? static_cast<std::uint64_t>(static_cast<std::int64_t>(std::uint64_t{raw} << shift) >> shift)
                        : std::uint64_t{raw};
        break;
    }
    case ArgType::F32: {
        if (size != 4)
            return CL_INVALID_ARG_SIZE;
        if (!value)
            return CL_INVALID_ARG_VALUE;
        std::uint32_t raw = 0;
        std::memcpy(&raw, value, 4);
        bits = raw;
        break;
    }
    case ArgType::U64:
    case ArgType::I64:
    case ArgType::F64:
        if (size != 8)
            return CL_INVALID_ARG_SIZE;
        if (!value)
            return CL_INVALID_ARG_VALUE;
        std::memcpy(&bits, value, 8);
        break;
    }
    arg.slots.assign(1, bits);
    std::lock_guard lock(kernel->mutex);
    kernel->args[index] = std::move(arg);
    return CL_SUCCESS;
}

cl_int CL_API_CALL clSetKernelArgSVMPointer(cl_kernel kernel, cl_uint index, const void* ptr)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (index >= kernel->built->userArgs)
        return CL_INVALID_ARG_INDEX;
    auto kind = layoutOf(kernel, index).kind;
    if (kind != cc::KernelParamLayout::Kind::Global && kind != cc::KernelParamLayout::Kind::Constant)
        return CL_INVALID_ARG_VALUE;
    // Fine-grain system SVM: any pointer, malloc'd or not.
    std::lock_guard lock(kernel->mutex);
    kernel->args[index] = ArgValue{{reinterpret_cast<std::uintptr_t>(ptr)}, 0};
    return CL_SUCCESS;
}

cl_int CL_API_CALL clSetKernelExecInfo(cl_kernel kernel, cl_kernel_exec_info param, size_t size, const void* value)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (!value)
        return CL_INVALID_VALUE;
    switch (param) {
    case CL_KERNEL_EXEC_INFO_SVM_PTRS:
        // Every pointer of the process is reachable already.
        return size % sizeof(void*) ? CL_INVALID_VALUE : CL_SUCCESS;
    case CL_KERNEL_EXEC_INFO_SVM_FINE_GRAIN_SYSTEM:
        return size == sizeof(cl_bool) ? CL_SUCCESS : CL_INVALID_VALUE;
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clGetKernelInfo(cl_kernel kernel, cl_kernel_info param, size_t size, void* value, size_t* sizeRet)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    switch (param) {
    case CL_KERNEL_FUNCTION_NAME:
        return answerString(size, value, sizeRet, kernel->name);
    case CL_KERNEL_NUM_ARGS:
        return answer<cl_uint>(size, value, sizeRet, static_cast<cl_uint>(kernel->built->userArgs));
    case CL_KERNEL_REFERENCE_COUNT:
        return answer<cl_uint>(size, value, sizeRet, kernel->refs.load());
    case CL_KERNEL_CONTEXT:
        return answer(size, value, sizeRet, kernel->program->context);
    case CL_KERNEL_PROGRAM:
        return answer(size, value, sizeRet, kernel->program);
    case CL_KERNEL_ATTRIBUTES:
        return answerString(size, value, sizeRet, "");
    default:
        return CL_INVALID_VALUE;
    }
}

cl_int CL_API_CALL clGetKernelWorkGroupInfo(cl_kernel kernel, cl_device_id device, cl_kernel_work_group_info param,
                                            size_t size, void* value, size_t* sizeRet)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (device && device != kernel->program->context->device)
        return CL_INVALID_DEVICE;
    const cc::CompiledKernel& compiled = kernel->built->compiled;
    switch (param) {
    case CL_KERNEL_WORK_GROUP_SIZE:
        return answer<size_t>(size, value, sizeRet, VSVM_ISA_MAX_GROUP_LANES);
    case CL_KERNEL_COMPILE_WORK_GROUP_SIZE: {
        std::vector<size_t> local(compiled.localSize.begin(), compiled.localSize.end());
        return answerVector(size, value, sizeRet, local);
    }
    case CL_KERNEL_LOCAL_MEM_SIZE: {
        // __local arguments not set yet count as 0 bytes.
        std::lock_guard lock(kernel->mutex);
        return answer<cl_ulong>(size, value, sizeRet, layoutArgs(*kernel).ldsBytes);
    }
    case CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE:
        return answer<size_t>(size, value, sizeRet, VSVM_ISA_WAVE_LANES);
    case CL_KERNEL_PRIVATE_MEM_SIZE:
        return answer<cl_ulong>(size, value, sizeRet, compiled.privateBytesPerLane);
    default:
        // CL_KERNEL_GLOBAL_WORK_SIZE is for built-in kernels and custom devices.
        return CL_INVALID_VALUE;
    }
}

namespace {

// clGetKernelArgInfo from what the OpenCL C source said (clang's metadata).
cl_int argInfoFromSource(const frontend::KernelArgInfo& arg, bool names, cl_kernel_arg_info param, size_t size,
                         void* value, size_t* sizeRet)
{
    switch (param) {
    case CL_KERNEL_ARG_ADDRESS_QUALIFIER: {
        static constexpr cl_kernel_arg_address_qualifier kSpaces[] = {
            CL_KERNEL_ARG_ADDRESS_PRIVATE, CL_KERNEL_ARG_ADDRESS_GLOBAL, CL_KERNEL_ARG_ADDRESS_CONSTANT,
            CL_KERNEL_ARG_ADDRESS_LOCAL};
        if (arg.addressSpace >= std::size(kSpaces))
            return CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        return answer(size, value, sizeRet, kSpaces[arg.addressSpace]);
    }
    case CL_KERNEL_ARG_ACCESS_QUALIFIER: {
        cl_kernel_arg_access_qualifier q = arg.access == "read_only"    ? CL_KERNEL_ARG_ACCESS_READ_ONLY
                                           : arg.access == "write_only" ? CL_KERNEL_ARG_ACCESS_WRITE_ONLY
                                           : arg.access == "read_write" ? CL_KERNEL_ARG_ACCESS_READ_WRITE
                                                                        : CL_KERNEL_ARG_ACCESS_NONE;
        return answer(size, value, sizeRet, q);
    }
    case CL_KERNEL_ARG_TYPE_NAME:
        return answerString(size, value, sizeRet, arg.typeName);
    case CL_KERNEL_ARG_TYPE_QUALIFIER: {
        cl_kernel_arg_type_qualifier q = CL_KERNEL_ARG_TYPE_NONE;
        std::istringstream words(arg.typeQualifier);
        for (std::string w; words >> w;) {
            if (w == "const")
                q |= CL_KERNEL_ARG_TYPE_CONST;
            else if (w == "restrict")
                q |= CL_KERNEL_ARG_TYPE_RESTRICT;
            else if (w == "volatile")
                q |= CL_KERNEL_ARG_TYPE_VOLATILE;
            else if (w == "pipe")
                q |= CL_KERNEL_ARG_TYPE_PIPE;
        }
        // A __constant pointee is const by definition.
        if (arg.addressSpace == 2)
            q |= CL_KERNEL_ARG_TYPE_CONST;
        return answer(size, value, sizeRet, q);
    }
    case CL_KERNEL_ARG_NAME:
        if (!names || arg.name.empty())
            return CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        return answerString(size, value, sizeRet, arg.name);
    default:
        return CL_INVALID_VALUE;
    }
}

} // namespace

cl_int CL_API_CALL clGetKernelArgInfo(cl_kernel kernel, cl_uint index, cl_kernel_arg_info param, size_t size,
                                      void* value, size_t* sizeRet)
{
    if (!isValid(kernel, Kind::Kernel))
        return CL_INVALID_KERNEL;
    if (index >= kernel->built->userArgs)
        return CL_INVALID_ARG_INDEX;
    // The compiler gives each parameter's register type, name and how it is
    // passed (a pointer's address space); what it does not keep (pointee
    // types, qualifiers) is not made up.
    if (!kernel->built->argInfo.empty())
        return argInfoFromSource(kernel->built->argInfo[index], kernel->built->argNames, param, size, value, sizeRet);
    const KernelParam& p = paramOf(kernel, index);
    using LayoutKind = cc::KernelParamLayout::Kind;
    LayoutKind kind = layoutOf(kernel, index).kind;
    bool pointer = kind == LayoutKind::Global || kind == LayoutKind::Constant || kind == LayoutKind::Local;
    switch (param) {
    case CL_KERNEL_ARG_ADDRESS_QUALIFIER: {
        cl_kernel_arg_address_qualifier q = kind == LayoutKind::Global     ? CL_KERNEL_ARG_ADDRESS_GLOBAL
                                            : kind == LayoutKind::Constant ? CL_KERNEL_ARG_ADDRESS_CONSTANT
                                            : kind == LayoutKind::Local    ? CL_KERNEL_ARG_ADDRESS_LOCAL
                                                                           : CL_KERNEL_ARG_ADDRESS_PRIVATE;
        return answer<cl_kernel_arg_address_qualifier>(size, value, sizeRet, q);
    }
    case CL_KERNEL_ARG_ACCESS_QUALIFIER:
        // Only images have access qualifiers.
        return answer<cl_kernel_arg_access_qualifier>(size, value, sizeRet, CL_KERNEL_ARG_ACCESS_NONE);
    case CL_KERNEL_ARG_TYPE_NAME:
        if (pointer || kind == LayoutKind::Vector)
            return CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        switch (p.type) {
        case ArgType::U64:
            return answerString(size, value, sizeRet, "ulong");
        case ArgType::I64:
            return answerString(size, value, sizeRet, "long");
        case ArgType::F32:
            return answerString(size, value, sizeRet, "float");
        case ArgType::F64:
            return answerString(size, value, sizeRet, "double");
        default:
            // A 32-bit register also holds char and short parameters.
            return CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        }
    case CL_KERNEL_ARG_TYPE_QUALIFIER:
        // A __constant pointee is const by definition; other pointees may be
        // const, restrict or volatile, which the compiler does not keep.
        if (kind == LayoutKind::Constant)
            return answer<cl_kernel_arg_type_qualifier>(size, value, sizeRet, CL_KERNEL_ARG_TYPE_CONST);
        if (pointer)
            return CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        return answer<cl_kernel_arg_type_qualifier>(size, value, sizeRet, CL_KERNEL_ARG_TYPE_NONE);
    case CL_KERNEL_ARG_NAME:
        if (p.name.empty())
            return CL_KERNEL_ARG_INFO_NOT_AVAILABLE;
        return answerString(size, value, sizeRet, p.name);
    default:
        return CL_INVALID_VALUE;
    }
}

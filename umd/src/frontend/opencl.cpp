// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

// OpenCL C to SPIR-V: clang-14 to LLVM IR for spir64, repaired where
// llvm-spirv-14 would mistranslate it (llvm_ir.h) and assembled by
// llvm-as-14, llvm-spirv-14 to SPIR-V, then the builtins from libclc
// (libclc.cpp). The compilers run as
// processes rather than through libclang so that a crash in them is an
// error here, not the end of the program that compiles.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spirv-tools/libspirv.hpp>
#include <spirv-tools/linker.hpp>

#include "frontend/llvm_ir.h"
#include "frontend/spirv_module.h"
#include "frontend/subprocess.h"
#include "vsvm/frontend.h"

namespace vsvm::frontend {

namespace {

/// @p text with every @p from replaced by @p to.
std::string replaceAll(std::string text, const std::string& from, const std::string& to)
{
    if (from.empty())
        return text;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string trimmed(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

// The items of a metadata tuple "!{!"a", i32 1, ...}": strings unescaped
// (clang writes \XX for bytes outside printable ASCII), integers as text.
std::vector<std::string> metadataItems(std::string_view tuple)
{
    std::vector<std::string> items;
    for (std::size_t i = 0; i < tuple.size();) {
        if (tuple.compare(i, 2, "!\"") == 0) {
            std::string text;
            for (i += 2; i < tuple.size() && tuple[i] != '"'; i++) {
                unsigned byte = 0;
                if (tuple[i] == '\\' && i + 2 < tuple.size() &&
                    std::from_chars(tuple.data() + i + 1, tuple.data() + i + 3, byte, 16).ptr == tuple.data() + i + 3) {
                    text += static_cast<char>(byte);
                    i += 2;
                } else {
                    text += tuple[i];
                }
            }
            items.push_back(std::move(text));
            i++;
        } else if (tuple.compare(i, 4, "i32 ") == 0) {
            std::size_t end = tuple.find_first_of(",}", i);
            items.emplace_back(tuple.substr(i + 4, end == std::string_view::npos ? end : end - i - 4));
            i = end == std::string_view::npos ? tuple.size() : end;
        } else {
            i++;
        }
    }
    return items;
}

} // namespace

std::map<std::string, std::vector<KernelArgInfo>> kernelArgInfoFromIr(std::string_view ir)
{
    // "!N = !{...}" lines, then every kernel's attachments.
    std::map<std::string, std::string_view> nodes;
    std::vector<std::string_view> kernels;
    for (std::size_t at = 0; at < ir.size();) {
        std::size_t end = ir.find('\n', at);
        if (end == std::string_view::npos)
            end = ir.size();
        std::string_view line = ir.substr(at, end - at);
        at = end + 1;
        if (line.starts_with("!") && line.find(" = !{") != std::string_view::npos)
            nodes.emplace(std::string(line.substr(0, line.find(' '))), line.substr(line.find(" = !{") + 4));
        else if (line.starts_with("define ") && line.find(" spir_kernel ") != std::string_view::npos)
            kernels.push_back(line);
    }
    auto attachment = [&](std::string_view line, std::string_view kind) -> std::vector<std::string> {
        std::string key = "!" + std::string(kind) + " ";
        std::size_t at = line.find(key);
        if (at == std::string_view::npos)
            return {};
        at += key.size();
        std::size_t end = line.find_first_of(" {", at);
        auto node = nodes.find(std::string(line.substr(at, end - at)));
        return node == nodes.end() ? std::vector<std::string>{} : metadataItems(node->second);
    };
    std::map<std::string, std::vector<KernelArgInfo>> out;
    for (std::string_view line : kernels) {
        std::size_t at = line.find(" @");
        if (at == std::string_view::npos)
            continue;
        std::size_t nameEnd = line.find('(', at);
        std::string name(line.substr(at + 2, nameEnd - at - 2));
        if (name.size() > 1 && name.front() == '"')
            name = name.substr(1, name.size() - 2);
        std::vector<std::string> spaces = attachment(line, "kernel_arg_addr_space");
        std::vector<std::string> access = attachment(line, "kernel_arg_access_qual");
        std::vector<std::string> types = attachment(line, "kernel_arg_type");
        std::vector<std::string> qualifiers = attachment(line, "kernel_arg_type_qual");
        std::vector<std::string> names = attachment(line, "kernel_arg_name");
        std::vector<KernelArgInfo>& args = out[name];
        for (std::size_t i = 0; i < types.size(); i++) {
            KernelArgInfo arg;
            if (i < spaces.size())
                std::from_chars(spaces[i].data(), spaces[i].data() + spaces[i].size(), arg.addressSpace);
            arg.access = i < access.size() ? access[i] : "none";
            arg.typeName = types[i];
            arg.typeQualifier = i < qualifiers.size() ? qualifiers[i] : "";
            arg.name = i < names.size() ? names[i] : "";
            args.push_back(std::move(arg));
        }
    }
    return out;
}

// The extension and feature macros clang-14's opencl-c-base.h defines for
// SPIR targets (OpenCL C 2.0 and later) rather than -cl-ext.
constexpr std::string_view kHeaderMacros[] = {
    "cl_khr_subgroup_extended_types",
    "cl_khr_subgroup_non_uniform_vote",
    "cl_khr_subgroup_ballot",
    "cl_khr_subgroup_non_uniform_arithmetic",
    "cl_khr_subgroup_shuffle",
    "cl_khr_subgroup_shuffle_relative",
    "cl_khr_subgroup_clustered_reduce",
    "cl_khr_extended_bit_ops",
    "cl_khr_integer_dot_product",
    "__opencl_c_integer_dot_product_input_4x8bit",
    "__opencl_c_integer_dot_product_input_4x8bit_packed",
    "cl_ext_float_atomics",
    "__opencl_c_ext_fp16_global_atomic_load_store",
    "__opencl_c_ext_fp16_local_atomic_load_store",
    "__opencl_c_ext_fp16_global_atomic_add",
    "__opencl_c_ext_fp16_local_atomic_add",
    "__opencl_c_ext_fp16_global_atomic_min_max",
    "__opencl_c_ext_fp16_local_atomic_min_max",
    "__opencl_c_ext_fp64_global_atomic_add",
    "__opencl_c_ext_fp64_local_atomic_add",
    "__opencl_c_ext_fp64_global_atomic_min_max",
    "__opencl_c_ext_fp64_local_atomic_min_max",
    "__opencl_c_ext_fp32_global_atomic_add",
    "__opencl_c_ext_fp32_local_atomic_add",
    "__opencl_c_ext_fp32_global_atomic_min_max",
    "__opencl_c_ext_fp32_local_atomic_min_max",
    "__opencl_c_atomic_order_seq_cst",
    "__opencl_c_atomic_scope_device",
    "__opencl_c_atomic_scope_all_devices",
    "__opencl_c_read_write_images",
};

Result<Module> openclToSpirv(std::string_view source, const OpenclOptions& options)
{
    if (options.clStd != "CL1.2" && options.clStd != "CL3.0")
        return Status::error(EINVAL, fmt::format("OpenCL C version {} is not supported (CL1.2 or CL3.0)",
                                                 options.clStd));
    if (options.optLevel < 0 || options.optLevel > 3)
        return Status::error(EINVAL, fmt::format("optimization level {} is not 0 to 3", options.optLevel));
    Result<std::string> clang = detail::findProgram(options.clang, "clang-14");
    if (!clang)
        return clang.status();
    Result<std::string> llvmAs = detail::findProgram(options.llvmAs, "llvm-as-14");
    if (!llvmAs)
        return llvmAs.status();
    Result<std::string> llvmSpirv = detail::findProgram(options.llvmSpirv, "llvm-spirv-14");
    if (!llvmSpirv)
        return llvmSpirv.status();

    Result<detail::TempDir> dir = detail::TempDir::create();
    if (!dir)
        return dir.status();
    const std::filesystem::path input = dir->path() / "input.cl";
    const std::filesystem::path textIr = dir->path() / "input.ll";
    const std::filesystem::path repairedIr = dir->path() / "repaired.ll";
    const std::filesystem::path bitcode = dir->path() / "input.bc";
    const std::filesystem::path spirv = dir->path() / "input.spv";
    if (Status status = detail::writeFile(input, source); !status.ok())
        return status;

    // What clang's OpenCL header defines for SPIR targets whatever -cl-ext
    // says, taken back where the device does not have it.
    const std::filesystem::path deviceMacros = dir->path() / "device-macros.h";
    if (options.extensions) {
        std::string undefs;
        for (std::string_view name : kHeaderMacros) {
            if (std::find(options.extensions->begin(), options.extensions->end(), name) == options.extensions->end())
                undefs += fmt::format("#undef {}\n", name);
        }
        if (Status status = detail::writeFile(deviceMacros, undefs); !status.ok())
            return status;
    }

    for (const std::string& option : options.buildOptions) {
        // Options, never a second input file or output.
        if (!option.starts_with("-cl-") && !option.starts_with("-D") && !option.starts_with("-I") &&
            !option.starts_with("-W"))
            return Status::error(EINVAL, fmt::format("build option {} is not an OpenCL option (-cl-*, -D, -I, -W)",
                                                     option));
    }
    auto clangArgs = [&](int optLevel) {
        std::vector<std::string> argv{*clang,       "-S",
                                      "-target",    "spir64",
                                      "-emit-llvm", "-cl-std=" + options.clStd,
                                      fmt::format("-O{}", optLevel), "-fno-color-diagnostics"};
        if (optLevel > 0) {
            // What llvm-spirv-14 cannot translate, made by clang's optimiser:
            // the vectorisers' llvm.vector.reduce intrinsics, and the
            // odd-width integers (i3) that exit-value replacement gives loops
            // counted with "& 7". Vectorising a work-item's code is of no use
            // to a SIMT back end anyway.
            argv.insert(argv.end(), {"-fno-vectorize", "-fno-slp-vectorize", "-mllvm", "-replexitval=never"});
        }
        if (options.declareBuiltins) {
            // The table-driven declarations need the base header too.
            argv.insert(argv.end(),
                        {"-Xclang", "-fdeclare-opencl-builtins", "-Xclang", "-finclude-default-header"});
        } else {
            argv.insert(argv.end(), {"-Xclang", "-finclude-default-header"});
        }
        // clang defines __IMAGE_SUPPORT__ for spir64; the vsvm device has no
        // images (CL_DEVICE_IMAGE_SUPPORT is false), and OpenCL C says the
        // macro follows that.
        argv.push_back("-U__IMAGE_SUPPORT__");
        // The parameters' names in the metadata (kernelArgInfoFromIr()).
        argv.push_back("-cl-kernel-arg-info");
        if (options.extensions) {
            // cl_khr_fp16 always, and its macro stays: clang-14 lets a
            // kernel call the core functions on half as a storage format
            // (vload_half, vstore_half) only while the extension is on and
            // its macro defined. The back end refuses half arithmetic.
            std::string list = "-cl-ext=-all,+cl_khr_fp16";
            for (const std::string& name : *options.extensions)
                list += ",+" + name;
            argv.insert(argv.end(), {"-Xclang", list, "-include", deviceMacros.string()});
        }
        argv.insert(argv.end(), options.buildOptions.begin(), options.buildOptions.end());
        if (options.warningsAsErrors)
            argv.push_back("-Werror");
        for (const std::string& define : options.defines)
            argv.push_back("-D" + define);
        for (const std::string& include : options.includeDirs)
            argv.push_back("-I" + include);
        argv.insert(argv.end(), {"-o", textIr.string(), input.string()});
        return argv;
    };
    // clang's IR, repaired, to the bitcode llvm-spirv reads.
    std::map<std::string, std::vector<KernelArgInfo>> kernelArgs;
    auto assemble = [&]() -> Status {
        Result<std::string> ir = detail::readFile(textIr);
        if (!ir)
            return ir.status();
        kernelArgs = kernelArgInfoFromIr(*ir);
        if (Status status = detail::writeFile(repairedIr, detail::repairSignedBoolConversions(*ir)); !status.ok())
            return status;
        Result<detail::ProcessResult> assembled =
            detail::runProcess({*llvmAs, repairedIr.string(), "-o", bitcode.string()}, dir->path());
        if (!assembled)
            return assembled.status();
        if (assembled->exitStatus != 0)
            return Status::error(EIO, fmt::format("{}: llvm-as cannot assemble the repaired IR (exit status {}):\n{}",
                                                  options.sourceName, assembled->exitStatus,
                                                  trimmed(assembled->output)));
        return {};
    };

    Result<detail::ProcessResult> compiled = detail::runProcess(clangArgs(options.optLevel), dir->path());
    if (!compiled)
        return compiled.status();
    // The diagnostics name the temporary file; the caller knows the source
    // by its own name.
    std::string log = trimmed(replaceAll(compiled->output, input.string(), options.sourceName));
    if (compiled->exitStatus != 0) {
        return Status::error(EINVAL, fmt::format("{} (clang exit status {}):\n{}", options.sourceName,
                                                 compiled->exitStatus, log));
    }
    if (Status status = assemble(); !status.ok())
        return status;

    auto translate = [&]() {
        return detail::runProcess({*llvmSpirv, bitcode.string(), "-o", spirv.string()}, dir->path());
    };
    Result<detail::ProcessResult> translated = translate();
    if (!translated)
        return translated.status();
    if (translated->exitStatus != 0 && options.optLevel > 0) {
        // clang's optimiser still makes, now and then, what llvm-spirv-14
        // cannot translate (InstCombine narrows a switch on "x & 7" to
        // i3, for one). Unoptimised code it always translates; the back end
        // optimises itself. Said in the warnings, never silent.
        std::string why = trimmed(translated->output);
        Result<detail::ProcessResult> unoptimized = detail::runProcess(clangArgs(0), dir->path());
        if (!unoptimized)
            return unoptimized.status();
        if (unoptimized->exitStatus == 0) {
            if (Status status = assemble(); !status.ok())
                return status;
            translated = translate();
            if (!translated)
                return translated.status();
            if (translated->exitStatus == 0) {
                log += fmt::format("{}{}: note: compiled at -O0: llvm-spirv-14 cannot translate clang's -O{} code "
                                   "({})",
                                   log.empty() ? "" : "\n", options.sourceName, options.optLevel,
                                   why.substr(0, why.find('\n')));
            }
        }
    }
    if (translated->exitStatus != 0) {
        return Status::error(ENOEXEC, fmt::format("{}: llvm-spirv cannot translate it (exit status {}):\n{}",
                                                  options.sourceName, translated->exitStatus,
                                                  trimmed(translated->output)));
    }
    Result<std::vector<std::uint32_t>> words = loadSpirv(spirv.string());
    if (!words)
        return words.status();

    Module module;
    module.warnings = log;
    module.kernelArgs = std::move(kernelArgs);
    if (options.linkLibclc) {
        Result<std::vector<std::uint32_t>> linked = linkLibclc(std::move(*words), options);
        if (!linked)
            return linked.status().withContext(options.sourceName);
        *words = std::move(*linked);
    }
    // Blocks in an order SPIR-V accepts and phis as it wants them, in
    // libclc's functions too: what llvm-spirv-14 writes is not always valid.
    Result<detail::SpirvModule> ordered = detail::SpirvModule::parse(*words);
    if (!ordered)
        return ordered.status().withContext(options.sourceName);
    detail::orderBlocks(*ordered);
    detail::dedupePhis(*ordered);
    detail::completeInterfaces(*ordered);
    module.words = ordered->serialize();
    return module;
}

Result<std::vector<std::uint32_t>> linkOpenclObjects(std::vector<std::vector<std::uint32_t>> objects,
                                                     const OpenclOptions& options, bool library)
{
    if (objects.empty())
        return Status::error(EINVAL, "no objects to link");
    std::uint32_t version = 0;
    for (const std::vector<std::uint32_t>& object : objects) {
        if (object.size() < 5 || object[0] != 0x07230203)
            return Status::error(EINVAL, "an object to link is not a SPIR-V module");
        version = std::max(version, object[1]);
    }
    // What is valid in an earlier SPIR-V version is valid in a later one;
    // the linker wants one version.
    for (std::vector<std::uint32_t>& object : objects)
        object[1] = version;
    // SPIRV-Tools' linker (2023.1) keeps both of two definitions of one
    // name; OpenCL makes that a link error.
    std::map<std::string, std::size_t> exported;
    for (std::size_t o = 0; o < objects.size(); o++) {
        const std::vector<std::uint32_t>& w = objects[o];
        for (std::size_t i = 5; i < w.size();) {
            const std::uint32_t count = w[i] >> 16, opcode = w[i] & 0xffff;
            if (count == 0 || i + count > w.size())
                return Status::error(EINVAL, "an object to link is not a SPIR-V module");
            constexpr std::uint32_t kOpDecorate = 71, kLinkageAttributes = 41, kExport = 0;
            if (opcode == kOpDecorate && count > 4 && w[i + 2] == kLinkageAttributes && w[i + count - 1] == kExport) {
                const char* text = reinterpret_cast<const char*>(&w[i + 3]);
                std::string name(text, strnlen(text, (count - 4) * 4));
                auto [at, fresh] = exported.emplace(name, o);
                if (!fresh && at->second != o)
                    return Status::error(ENOEXEC, fmt::format("{} is defined in objects {} and {}", name,
                                                              at->second + 1, o + 1));
            }
            i += count;
        }
    }

    std::vector<std::string> messages;
    // A library this linker made holds its OpModuleProcessed, which only
    // an environment of SPIR-V 1.1 or later parses.
    spvtools::Context context(SPV_ENV_UNIVERSAL_1_5);
    context.SetMessageConsumer([&](spv_message_level_t level, const char*, const spv_position_t&,
                                   const char* message) {
        if (level <= SPV_MSG_ERROR)
            messages.push_back(message);
    });
    spvtools::LinkerOptions linkerOptions;
    // The builtin variables stay Import declarations (the back end knows them
    // by their BuiltIn decoration), and a library may leave functions to the
    // objects it is linked with later.
    linkerOptions.SetAllowPartialLinkage(true);
    linkerOptions.SetCreateLibrary(library);
    std::vector<std::uint32_t> linked;
    if (spvtools::Link(context, objects, &linked, linkerOptions) != SPV_SUCCESS)
        return Status::error(ENOEXEC, fmt::format("linking: {}", fmt::join(messages, "; ")));
    if (library)
        return linked;

    Result<std::vector<std::string>> undefined = importedFunctions(linked);
    if (!undefined)
        return undefined.status();
    if (!undefined->empty())
        return Status::error(ENOEXEC, fmt::format("undefined function{} {}", undefined->size() > 1 ? "s" : "",
                                                  fmt::join(*undefined, ", ")));
    if (options.linkLibclc) {
        Result<std::vector<std::uint32_t>> withBuiltins = linkLibclc(std::move(linked), options);
        if (!withBuiltins)
            return withBuiltins.status();
        linked = std::move(*withBuiltins);
    }
    Result<detail::SpirvModule> ordered = detail::SpirvModule::parse(linked);
    if (!ordered)
        return ordered.status();
    detail::orderBlocks(*ordered);
    detail::dedupePhis(*ordered);
    detail::completeInterfaces(*ordered);
    return ordered->serialize();
}

} // namespace vsvm::frontend

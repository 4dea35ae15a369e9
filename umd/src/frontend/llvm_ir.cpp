// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#include "frontend/llvm_ir.h"

#include <regex>

#include <fmt/format.h>

namespace vsvm::frontend::detail {

std::string repairSignedBoolConversions(std::string_view ir, unsigned* rewritten)
{
    // "  %x = sitofp i1 %c to float" or "<4 x i1> %c to <4 x float>", maybe
    // followed by ", !dbg !7". Operands are values: constants are folded.
    static const std::regex conversion(
        R"(^(\s*)(%[-\w.$]+) = sitofp (i1|<(\d+) x i1>) (%[-\w.$]+) to ([^,]+)(.*)$)");
    std::string out;
    out.reserve(ir.size() + 256);
    unsigned count = 0;
    std::size_t at = 0;
    while (at < ir.size()) {
        std::size_t end = ir.find('\n', at);
        if (end == std::string_view::npos)
            end = ir.size();
        const std::string line(ir.substr(at, end - at));
        std::smatch m;
        if (line.find(" = sitofp ") != std::string::npos && std::regex_match(line, m, conversion)) {
            const std::string indent = m[1], name = m[2], operand = m[5], type = m[6], rest = m[7];
            const std::string wide = fmt::format("%vsvm.sext.{}", count++);
            if (m[4].matched) {
                const std::string lanes = m[4];
                std::string ones;
                for (unsigned i = 0, n = static_cast<unsigned>(std::stoul(lanes)); i < n; ++i)
                    ones += fmt::format("{}i32 -1", i ? ", " : "");
                out += fmt::format("{}{} = select <{} x i1> {}, <{} x i32> <{}>, <{} x i32> zeroinitializer{}\n",
                                   indent, wide, lanes, operand, lanes, ones, lanes, rest);
                out += fmt::format("{}{} = sitofp <{} x i32> {} to {}{}", indent, name, lanes, wide, type, rest);
            } else {
                out += fmt::format("{}{} = select i1 {}, i32 -1, i32 0{}\n", indent, wide, operand, rest);
                out += fmt::format("{}{} = sitofp i32 {} to {}{}", indent, name, wide, type, rest);
            }
        } else {
            out += line;
        }
        if (end < ir.size())
            out += '\n';
        at = end + 1;
    }
    if (rewritten)
        *rewritten = count;
    return out;
}

} // namespace vsvm::frontend::detail

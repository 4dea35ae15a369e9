// SPDX-License-Identifier: MIT
// Copyright (c) 2026 The vsvm authors

#pragma once

// The command line of every vsvm program that uses CLI11 (tools, stress,
// bench): one exit status for a bad command line.

#include <optional>

#include <CLI/CLI.hpp>

namespace vsvm::tools {

/// The exit status of every vsvm program for options it does not accept.
inline constexpr int kBadUsage = 2;

/**
 * Parses the command line. nullopt: go on. Otherwise the program's exit
 * status: 0 after --help or --version (printed), kBadUsage after an error
 * (CLI11's message and a hint to --help on stderr). CLI11_PARSE would return
 * CLI11's own numbers instead (105 for a failed check, 109 for an unknown
 * option...), which tell a script nothing.
 */
inline std::optional<int> parseCommandLine(CLI::App& app, int argc, char** argv)
{
    try {
        app.parse(argc, argv);
        return std::nullopt;
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? 0 : kBadUsage;
    }
}

} // namespace vsvm::tools

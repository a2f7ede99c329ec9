// Compiled once to produce the precompiled header (cmake/pch.h).

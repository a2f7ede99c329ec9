# Run at every build (the galt_build_commit target): writes the commit the
# sources were built from, and whether the tree had uncommitted changes, into
# ${OUT} — rewritten only when it changes, so an unchanged tree recompiles
# nothing. A binary copied elsewhere for a long run still stamps its own
# commit (src/report/provenance.cpp), not whatever the source tree holds later.
execute_process(COMMAND git -C "${SRC}" rev-parse HEAD OUTPUT_VARIABLE commit
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  set(commit "")
endif()
set(dirty 0)
if(commit)
  execute_process(COMMAND git -C "${SRC}" status --porcelain --untracked-files=no
                  OUTPUT_VARIABLE changes ERROR_QUIET)
  if(changes)
    set(dirty 1)
  endif()
endif()
set(text "// Generated at build time by cmake/build_commit.cmake.\n#pragma once\n#define GALT_BUILD_COMMIT \"${commit}\"\n#define GALT_BUILD_DIRTY ${dirty}\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()

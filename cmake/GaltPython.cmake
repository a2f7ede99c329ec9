# Finds what the Python module (python/) needs and sets GALT_PYTHON_FOUND:
# Debian's interpreter, pybind11 (pybind11-dev), and Debian's python3-torch
# built on the very LibTorch this build links (libtorch-dev). A torch.Tensor
# crosses into C++ as the same at::Tensor only when both sides share one
# libtorch; a pip-installed torch, or an interpreter that sees no torch, would
# load a second copy, so then the module is skipped with the reason.
#
# The interpreter is /usr/bin/python3 unless GALT_PYTHON_EXECUTABLE says
# otherwise: the python3 first on PATH may be a separately installed one that
# does not see Debian's dist-packages.

set(GALT_PYTHON_EXECUTABLE /usr/bin/python3 CACHE FILEPATH
    "Interpreter the Python module is built and tested for (Debian's, which sees python3-torch)")
set(GALT_PYTHON_FOUND OFF)

function(galt_python_skip reason)
  message(STATUS "galt: Python module skipped: ${reason}")
endfunction()

macro(galt_find_python)
  if(NOT EXISTS ${GALT_PYTHON_EXECUTABLE})
    galt_python_skip("${GALT_PYTHON_EXECUTABLE} not found (apt-get install python3)")
    return()
  endif()
  set(Python_EXECUTABLE ${GALT_PYTHON_EXECUTABLE})
  find_package(Python COMPONENTS Interpreter Development.Module QUIET)
  if(NOT Python_Development.Module_FOUND)
    galt_python_skip("Python headers not found (apt-get install python3-dev)")
    return()
  endif()
  find_package(pybind11 CONFIG QUIET)
  if(NOT pybind11_FOUND)
    galt_python_skip("pybind11 not found (apt-get install pybind11-dev)")
    return()
  endif()
  # Where the interpreter's torch keeps libtorch_cpu, resolved through
  # Debian's symlinks, must be the file LibTorch's CMake config links.
  execute_process(
    COMMAND ${Python_EXECUTABLE} -c
            "import os, torch; print(torch.__version__); print(os.path.realpath(os.path.join(os.path.dirname(torch.__file__), 'lib', 'libtorch_cpu.so')))"
    OUTPUT_VARIABLE _galt_py_torch ERROR_QUIET RESULT_VARIABLE _galt_py_rc
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT _galt_py_rc EQUAL 0)
    galt_python_skip("${Python_EXECUTABLE} cannot import torch (apt-get install python3-torch; "
                     "Debian's torch is seen by /usr/bin/python3)")
    return()
  endif()
  string(REPLACE "\n" ";" _galt_py_torch "${_galt_py_torch}")
  list(GET _galt_py_torch 0 _galt_py_version)
  list(GET _galt_py_torch 1 _galt_py_cpu)
  # Debian's Caffe2 targets are imported for the RelWithDebInfo configuration.
  get_target_property(_galt_configs torch_cpu IMPORTED_CONFIGURATIONS)
  list(GET _galt_configs 0 _galt_config)
  get_target_property(_galt_cpu torch_cpu IMPORTED_LOCATION_${_galt_config})
  file(REAL_PATH "${_galt_cpu}" _galt_cpu)
  if(NOT _galt_cpu STREQUAL _galt_py_cpu)
    galt_python_skip("the interpreter's torch ${_galt_py_version} uses ${_galt_py_cpu}, "
                     "this build links ${_galt_cpu}: tensors could not be shared")
    return()
  endif()
  # python/ links torch's Python bindings (the THPVariable type a
  # torch.Tensor is) from the same directory.
  get_filename_component(_galt_torch_lib_dir ${_galt_cpu} DIRECTORY)
  find_library(GALT_TORCH_PYTHON_LIBRARY torch_python HINTS ${_galt_torch_lib_dir} NO_DEFAULT_PATH)
  if(NOT GALT_TORCH_PYTHON_LIBRARY)
    galt_python_skip("libtorch_python not found next to ${_galt_cpu}")
    return()
  endif()
  message(STATUS "galt: Python module for ${Python_EXECUTABLE} (torch ${_galt_py_version})")
  set(GALT_PYTHON_FOUND ON)
endmacro()

galt_find_python()

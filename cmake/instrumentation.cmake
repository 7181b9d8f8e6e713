# Build-wide instrumentation for the sanitizer and fuzzing builds (see docs/SECURITY.md,
# "Fuzzing and sanitizers"). Both options are off by default, and then nothing here changes
# the build.
#
# CHRONICLE_SANITIZE=ON compiles and links every target with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc or clang). UBSan checks stay recoverable so that a report
# inside a third-party header can be suppressed at run time (infra/sanitizers/ubsan.supp);
# UBSAN_OPTIONS=halt_on_error=1, which `make test-asan` sets, makes every other report fatal.
#
# CHRONICLE_FUZZ=ON (clang only) implies CHRONICLE_SANITIZE, makes every UBSan report abort
# (so libFuzzer sees it as a crash), adds libFuzzer's coverage instrumentation to every
# target, and adds the fuzz targets of fuzz/. Only the fuzz targets link libFuzzer itself
# (it brings its own main).

option(CHRONICLE_SANITIZE "Build every target with ASan and UBSan" OFF)
option(CHRONICLE_FUZZ "Build the libFuzzer targets of fuzz/ (clang only)" OFF)

if(CHRONICLE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "CHRONICLE_FUZZ=ON needs clang (libFuzzer); configure with "
                      "-DCMAKE_CXX_COMPILER=clang++ (`make fuzz` does)")
endif()

if(CHRONICLE_SANITIZE OR CHRONICLE_FUZZ)
  set(chronicle_sanitizers -fsanitize=address,undefined)
  add_compile_options(${chronicle_sanitizers} -fno-omit-frame-pointer)
  add_link_options(${chronicle_sanitizers})
  # With optimisation on, gcc 12 warns about uninitialized members inside libstdc++'s
  # std::regex (used by RESTinio's router) once ASan instruments it: a known false positive
  # of the sanitizer build (gcc bug 105616). The warning stays an error in the normal build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-error=maybe-uninitialized)
  endif()
endif()

if(CHRONICLE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined)
endif()

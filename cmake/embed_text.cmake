# Writes OUTPUT, a C++ source defining `std::string_view NAMESPACE::FUNCTION()` that returns
# the bytes of INPUT (a text file without the sequence `)chronicle_text"`).
file(READ ${INPUT} text)
string(FIND "${text}" ")chronicle_text\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter")
endif()
get_filename_component(name ${INPUT} NAME)
set(body "// Generated from ${name}; do not edit.\n#include <string_view>\n\n")
string(APPEND body "namespace ${NAMESPACE} {\n\nstd::string_view ${FUNCTION}() {\n")
string(APPEND body "  static constexpr std::string_view text{R\"chronicle_text(${text})chronicle_text\"};\n")
string(APPEND body "  return text;\n}\n\n}  // namespace ${NAMESPACE}\n")
file(WRITE ${OUTPUT}.tmp "${body}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)

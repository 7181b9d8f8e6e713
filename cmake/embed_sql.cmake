# Writes OUTPUT, a C++ source defining FUNCTION() -> the migrations of one
# database as string literals, from the SQL files listed in SOURCES (sorted by
# name, which is their order).
string(REPLACE "," ";" SOURCES "${SOURCES}")
list(SORT SOURCES)
set(body "// Generated from persistence/migrations/*/*.sql; do not edit.\n")
string(APPEND body "#include \"persistence/migrate.hpp\"\n\n")
string(APPEND body "namespace chronicle::persistence {\n\n")
string(APPEND body "const std::vector<migration>& ${FUNCTION}() {\n")
string(APPEND body "  static const std::vector<migration> all{\n")
foreach(file IN LISTS SOURCES)
  get_filename_component(name ${file} NAME_WE)
  string(REGEX MATCH "^[0-9]+" number ${name})
  # 008 would be an (invalid) octal literal in C++: the number without its leading zeros.
  string(REGEX REPLACE "^0+([0-9])" "\\1" number ${number})
  file(READ ${file} sql)
  string(APPEND body "      {${number}, \"${name}\", R\"chronicle_sql(${sql})chronicle_sql\"},\n")
endforeach()
string(APPEND body "  };\n  return all;\n}\n\n}  // namespace chronicle::persistence\n")
file(WRITE ${OUTPUT}.tmp "${body}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)

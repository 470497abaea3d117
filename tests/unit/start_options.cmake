# Unit test of `pktmon start`'s options (common/start_options.c): Windows' forms (--etw, -m,
# memory) and defaults (circular, 512 MB), parsed as pktmon and pktmon-capture parse them.
add_executable(test_start_options ${CMAKE_CURRENT_LIST_DIR}/test_start_options.c)
target_include_directories(test_start_options PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(test_start_options PRIVATE pktmon_common)
add_test(NAME unit_start_options COMMAND test_start_options)

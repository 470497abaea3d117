# The per-CPU counters cache: which slot a component takes.
add_executable(test_ccache ${CMAKE_CURRENT_LIST_DIR}/test_ccache.c)
target_link_libraries(test_ccache PRIVATE pktmon_pure)
add_test(NAME unit_ccache COMMAND test_ccache)

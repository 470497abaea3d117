# unit_lazy_lib: libraries opened at run time (capture-core/src/lazy_lib.c): all symbols or none,
# a reason for a missing library or symbol, and the libpcap this build names actually loads.
add_executable(test_lazy_lib ${CMAKE_CURRENT_LIST_DIR}/test_lazy_lib.c)
target_link_libraries(test_lazy_lib PRIVATE pktmon_core)
target_include_directories(test_lazy_lib PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../../capture-core/src)
add_test(NAME unit_lazy_lib COMMAND test_lazy_lib)

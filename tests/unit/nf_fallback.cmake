# Netfilter fallbacks: the mechanism chosen per kernel, where a netfilter drop is reported.
add_executable(test_nf_fallback ${CMAKE_CURRENT_LIST_DIR}/test_nf_fallback.c)
target_link_libraries(test_nf_fallback PRIVATE pktmon_pure)
add_test(NAME unit_nf_fallback COMMAND test_nf_fallback)

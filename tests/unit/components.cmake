# Component table and names, layer names, the real-time event line: pure, no root.
add_executable(test_components ${CMAKE_CURRENT_LIST_DIR}/test_components.c)
target_link_libraries(test_components PRIVATE pktmon_pure)
add_test(NAME unit_components COMMAND test_components)

# The session's observation encoder against the dissector's decoder.
add_executable(test_observation ${CMAKE_CURRENT_LIST_DIR}/test_observation.c)
target_link_libraries(test_observation PRIVATE pktmon_pure)
add_test(NAME unit_observation COMMAND test_observation)

# The end-of-capture rundown encoder against the dissector's decoder.
add_executable(test_rundown ${CMAKE_CURRENT_LIST_DIR}/test_rundown.c)
target_link_libraries(test_rundown PRIVATE pktmon_pure)
add_test(NAME unit_rundown COMMAND test_rundown)

# Naming a namespace after its container (cgroup paths, runtimes' state files): pure, no root.
add_executable(test_container_name ${CMAKE_CURRENT_LIST_DIR}/test_container_name.c)
target_link_libraries(test_container_name PRIVATE pktmon_pure)
add_test(NAME unit_container_name COMMAND test_container_name)

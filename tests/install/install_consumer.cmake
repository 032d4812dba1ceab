# cmake -P script: install, build the consumer against the install, run it.
file(REMOVE_RECURSE ${PREFIX} ${CONSUMER_BUILD})

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
    endif()
    set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX} --component dev)
if(NOT EXISTS ${PREFIX}/lib/cmake/Sockscope/SockscopeConfig.cmake
   AND NOT EXISTS ${PREFIX}/lib/x86_64-linux-gnu/cmake/Sockscope/SockscopeConfig.cmake)
    message(FATAL_ERROR "SockscopeConfig.cmake was not installed under ${PREFIX}")
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER_SRC} -B ${CONSUMER_BUILD} -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${PREFIX})
run(${CMAKE_COMMAND} --build ${CONSUMER_BUILD})
run(${CONSUMER_BUILD}/consumer)
# The echo, then the demo page and the client script, both served from Qt resources.
if(NOT last_output MATCHES "consumer: listening on port [1-9][0-9]*; event echoed\nconsumer: served / and /rt/socket.io.js")
    message(FATAL_ERROR "consumer printed an unexpected result: ${last_output}")
endif()
message(STATUS "${last_output}")

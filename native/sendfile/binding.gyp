{
  "targets": [
    {
      "target_name": "berth_sendfile",
      "sources": ["sendfile.cc"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra"],
      "conditions": [["OS != 'linux'", { "type": "none", "sources": [] }]]
    }
  ]
}

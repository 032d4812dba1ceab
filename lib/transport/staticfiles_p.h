// Sockscope: the files the server serves over HTTP. Not public API.
#pragma once

#include <QByteArray>
#include <QString>

namespace Sockscope {

// What the front serves besides Engine.IO: the browser client at <path>socket.io.js and the
// demo page at /. Both are built into the library with Qt's resource system (prefix
// :/sockscope/web/, from resources/web/).
enum class StaticFile {
    ClientScript, // socket.io.js, served as it is
    DemoPage, // index.html, with the Engine.IO path filled in
};

// The bytes to serve for `file` by a server whose Engine.IO path is `enginePath` (such as
// "/socket.io/"): the demo page loads the client script from that path and connects with it.
// Empty if the resource is missing. Pure apart from reading the resource; safe from any thread.
QByteArray staticFileContent(StaticFile file, const QString &enginePath);

// The text in resources/web/index.html that staticFileContent() replaces with the path.
inline constexpr char enginePathPlaceholder[] = "{{enginePath}}";

} // namespace Sockscope

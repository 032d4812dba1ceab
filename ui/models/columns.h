// Sockscope: the columns and roles of the monitor's models.
#pragma once

#include <Qt>

namespace Sockscope {

// Roles shared by the monitor's models. Qt::DisplayRole is formatted text; these give raw values.
enum ModelRole {
    SortRole = Qt::UserRole + 1, // the raw value of the cell, for sorting
    SocketIdRole,
    NamespaceRole,
    DirectionRole, // EventLogEntry::Direction as int
    KindRole, // EventLogEntry::Kind as int
    EventNameRole,
    PayloadTextRole, // the arguments as compact JSON (display form: binary as {"_binary":…})
    ArgumentsRole, // the arguments as they came (QVariantList; binary as QByteArray)
    SerialRole, // the log entry's serial number
    PairedSerialRole, // the serial of the request or reply paired with this entry, -1 if none
    HandshakeRole, // a HandshakeRecord
    RoomRole, // RoomsModel: the room of a node, empty for a namespace node
    ModelRoleCount
};

// ConnectionsModel: one row per socket.
enum class ConnectionsColumn {
    Socket,
    Connection,
    Namespace,
    Transport,
    Parser, // the connection's Socket.IO wire format: json or msgpack
    RemoteAddress,
    ConnectedSince,
    Recovered, // "yes" for a socket that took back its session (connection state recovery)
    Rooms,
    EventsIn,
    EventsOut,
    BytesIn,
    BytesOut,
    Queued, // bytes written to the connection that the kernel has not taken yet
    PingRoundTrip,
    Count
};

// EventLogModel: one row per event or ack.
enum class EventLogColumn { Time, Direction, Namespace, Socket, Event, Arguments, Ack, Count };

// HandshakeLogModel: one row per request head the server read.
enum class HandshakeColumn { Time, Remote, Request, Status, Transport, Connection, Count };

// FramesModel: one row per plain WebSocket frame, in or out.
enum class FramesColumn { Time, Direction, Connection, Opcode, Fin, Length, Payload, Count };

// RoomsModel: namespaces, and the rooms in each.
enum class RoomsColumn { Name, Sockets, Count };

// RulesModel: one row per auto-reply rule.
enum class RulesColumn { Enabled, On, Namespace, Match, Actions, Count };

} // namespace Sockscope

// Sockscope: the selected socket: its ids, rooms and auth payload; join and leave rooms.
#pragma once

#include <QPointer>
#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
QT_END_NAMESPACE

namespace Sockscope {

class EventServer;
class Socket;

/*
    What the window knows of the sockets selected in the Sockets view. For one socket: its
    id, namespace, connection and rooms, and the auth payload it sent with CONNECT, with every
    value shown as "[redacted]" until Reveal is ticked (it goes back to hidden when the
    selection changes). For one or more: a room name and Join / Leave, applied to each
    selected socket through Socket::join() and Socket::leave().
*/
class SocketPanel : public QWidget
{
    Q_OBJECT
public:
    explicit SocketPanel(QWidget *parent = nullptr);

    void setServer(EventServer *server);
    void setSelectedSockets(const QStringList &socketIds);
    QStringList selectedSockets() const { return m_ids; }

    bool isRevealed() const;
    void setRevealed(bool reveal);

    QString titleText() const;
    QString roomsText() const;
    QString authText() const;

    void setRoomName(const QString &room);
    // Puts the cursor in the room name box.
    void focusRoomName();
    // Join or leave the named room on every selected socket; returns how many changed.
    int joinRoom();
    int leaveRoom();

Q_SIGNALS:
    // Sockets joined or left a room from this panel.
    void roomsEdited();

private:
    int changeRoom(bool join);
    QList<Socket *> sockets() const;
    void refresh();
    void updateButtons();

    QPointer<EventServer> m_server;
    QStringList m_ids;
    QLabel *m_title = nullptr;
    QLabel *m_rooms = nullptr;
    QPlainTextEdit *m_auth = nullptr;
    QCheckBox *m_reveal = nullptr;
    QLineEdit *m_room = nullptr;
    QPushButton *m_join = nullptr;
    QPushButton *m_leave = nullptr;
    QLabel *m_result = nullptr;
    QList<QMetaObject::Connection> m_watches;
};

} // namespace Sockscope

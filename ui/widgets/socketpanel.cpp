#include "socketpanel.h"
#include <text.h>

#include <connection.h>
#include <eventserver.h>
#include <secrets.h>
#include <socket.h>

#include <QCheckBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;
using Sockscope::Text::count;

namespace Sockscope {

SocketPanel::SocketPanel(QWidget *parent) : QWidget(parent)
{
    m_title = new QLabel(this);
    m_title->setObjectName(u"socketTitle"_s);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_rooms = new QLabel(this);
    m_rooms->setObjectName(u"socketRooms"_s);
    m_rooms->setWordWrap(true);
    m_rooms->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_auth = new QPlainTextEdit(this);
    m_auth->setObjectName(u"socketAuth"_s);
    m_auth->setReadOnly(true);
    m_auth->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_auth->setToolTip(tr("The auth payload the client sent with CONNECT"));
    m_reveal = new QCheckBox(tr("Re&veal"), this);
    m_reveal->setObjectName(u"socketReveal"_s);
    m_reveal->setToolTip(tr("Show the auth payload's values (hidden again when another socket "
                            "is selected)"));
    connect(m_reveal, &QCheckBox::toggled, this, &SocketPanel::refresh);

    m_room = new QLineEdit(this);
    m_room->setObjectName(u"socketRoom"_s);
    m_room->setPlaceholderText(tr("room name"));
    m_room->setClearButtonEnabled(true);
    m_room->setToolTip(tr("A room of the selected sockets' namespace"));
    m_join = new QPushButton(tr("&Join"), this);
    m_join->setObjectName(u"socketJoin"_s);
    m_join->setToolTip(tr("Put the selected sockets in this room"));
    m_leave = new QPushButton(tr("&Leave"), this);
    m_leave->setObjectName(u"socketLeave"_s);
    m_leave->setToolTip(tr("Take the selected sockets out of this room"));
    connect(m_room, &QLineEdit::textChanged, this, &SocketPanel::updateButtons);
    connect(m_room, &QLineEdit::returnPressed, this, [this] { joinRoom(); });
    connect(m_join, &QPushButton::clicked, this, [this] { joinRoom(); });
    connect(m_leave, &QPushButton::clicked, this, [this] { leaveRoom(); });
    m_result = new QLabel(this);
    m_result->setObjectName(u"socketRoomResult"_s);

    auto *authRow = new QHBoxLayout;
    authRow->addWidget(new QLabel(tr("Auth payload"), this), 1);
    authRow->addWidget(m_reveal);
    auto *roomRow = new QHBoxLayout;
    roomRow->addWidget(m_room, 1);
    roomRow->addWidget(m_join);
    roomRow->addWidget(m_leave);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(m_title);
    layout->addWidget(m_rooms);
    layout->addLayout(authRow);
    layout->addWidget(m_auth, 1);
    layout->addLayout(roomRow);
    layout->addWidget(m_result);
    setTabOrder(m_reveal, m_room);
    setTabOrder(m_room, m_join);
    setTabOrder(m_join, m_leave);
    refresh();
}

void SocketPanel::setServer(EventServer *server)
{
    m_server = server;
    setSelectedSockets({});
}

void SocketPanel::setSelectedSockets(const QStringList &socketIds)
{
    if (socketIds != m_ids)
        m_reveal->setChecked(false); // a secret stays hidden until asked for, per socket
    m_ids = socketIds;
    for (const auto &c : std::as_const(m_watches))
        disconnect(c);
    m_watches.clear();
    const auto list = sockets();
    for (Socket *s : list) {
        m_watches.append(connect(s, &Socket::roomsChanged, this, &SocketPanel::refresh));
        m_watches.append(connect(s, &Socket::disconnected, this, &SocketPanel::refresh));
    }
    m_result->clear();
    refresh();
}

QList<Socket *> SocketPanel::sockets() const
{
    QList<Socket *> list;
    if (!m_server)
        return list;
    for (const QString &id : m_ids) {
        if (Socket *s = m_server->socket(id); s && s->isConnected())
            list.append(s);
    }
    return list;
}

bool SocketPanel::isRevealed() const
{
    return m_reveal->isChecked();
}

void SocketPanel::setRevealed(bool reveal)
{
    m_reveal->setChecked(reveal);
}

void SocketPanel::refresh()
{
    const QList<Socket *> list = sockets();
    if (list.size() == 1) {
        Socket *s = list.first();
        m_title->setText(tr("Socket %1 · namespace %2 · connection %3")
                                 .arg(s->id(), s->namespaceName(),
                                      s->connection() ? s->connection()->id() : tr("none")));
        QStringList rooms;
        const auto set = s->rooms();
        for (const QString &r : set) {
            if (r != s->id())
                rooms.append(r);
        }
        std::sort(rooms.begin(), rooms.end());
        m_rooms->setText(rooms.isEmpty() ? tr("Rooms: none besides its own")
                                         : tr("Rooms: %1").arg(rooms.join(u", "_s)));
        const QJsonObject auth = s->auth();
        if (auth.isEmpty()) {
            m_auth->setPlainText(tr("(none)"));
        } else {
            const QJsonObject shown = m_reveal->isChecked() ? auth : Secrets::redactAuth(auth);
            m_auth->setPlainText(QString::fromUtf8(QJsonDocument(shown).toJson(QJsonDocument::Indented)).trimmed());
        }
        m_reveal->setEnabled(!auth.isEmpty());
    } else {
        m_title->setText(list.isEmpty()
                                 ? tr("No socket selected: pick one in Sockets")
                                 : tr("%1 selected").arg(count(int(list.size()), tr("socket"),
                                                               tr("sockets"))));
        m_rooms->clear();
        m_auth->clear();
        m_reveal->setEnabled(false);
    }
    updateButtons();
}

void SocketPanel::updateButtons()
{
    const bool can = !sockets().isEmpty() && !m_room->text().trimmed().isEmpty();
    m_join->setEnabled(can);
    m_leave->setEnabled(can);
}

QString SocketPanel::titleText() const { return m_title->text(); }
QString SocketPanel::roomsText() const { return m_rooms->text(); }
QString SocketPanel::authText() const { return m_auth->toPlainText(); }

void SocketPanel::setRoomName(const QString &room)
{
    m_room->setText(room);
}

void SocketPanel::focusRoomName()
{
    m_room->setFocus(Qt::OtherFocusReason);
    m_room->selectAll();
}

int SocketPanel::joinRoom()
{
    return changeRoom(true);
}

int SocketPanel::leaveRoom()
{
    return changeRoom(false);
}

int SocketPanel::changeRoom(bool join)
{
    const QString room = m_room->text().trimmed();
    if (room.isEmpty())
        return 0;
    int changed = 0;
    const auto list = sockets();
    for (Socket *s : list) {
        // Only the sockets the action changes count: a join of members is not a change.
        if (s->rooms().contains(room) != join) {
            if (join)
                s->join(room);
            else
                s->leave(room);
            ++changed;
        }
    }
    const QString counted = count(changed, tr("socket"), tr("sockets"));
    m_result->setText(join ? tr("Joined \"%1\": %2").arg(room, counted)
                           : tr("Left \"%1\": %2").arg(room, counted));
    if (changed)
        Q_EMIT roomsEdited();
    return changed;
}

} // namespace Sockscope

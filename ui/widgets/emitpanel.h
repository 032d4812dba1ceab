// Sockscope: send an event to chosen sockets, optionally asking for acks.
#pragma once

#include <arguments.h>

#include <QPointer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QCompleter;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStringListModel;
QT_END_NAMESPACE

namespace Sockscope {

class ArgumentsEditor;
class EventServer;

/*
    Targets: every socket of every namespace, one namespace, rooms of a namespace, or the
    sockets selected in the sockets view; minus the exceptions (rooms or socket ids, a socket
    id being a room). The arguments are a JSON array, checked as they are typed: the error and
    the place it points at are shown, and Send does nothing until they parse. With "expect
    ack", each reply or timeout shows up in the event log beside the event. A volatile event
    (Socket::sendVolatile, Broadcast::setVolatile) is dropped for a client that is not reading;
    it asks for no ack.
*/
class EmitPanel : public QWidget
{
    Q_OBJECT
public:
    enum class Target { Everyone, Namespace, Rooms, SelectedSockets };
    Q_ENUM(Target)

    explicit EmitPanel(QWidget *parent = nullptr);

    void setServer(EventServer *server);
    void setSelectedSockets(const QStringList &socketIds);
    void setEventNames(const QStringList &names); // for the completer
    void refreshNamespaces();

    Target target() const;
    void setTarget(Target target);
    void setNamespace(const QString &nsp);
    void setRooms(const QString &commaSeparated);
    void setExceptions(const QString &commaSeparated);
    void setEventName(const QString &event);
    void setArgumentsText(const QString &json);
    void setExpectAck(bool expect, int timeoutMs = 5000);
    void setVolatile(bool isVolatile);
    bool isVolatile() const;

    // Whether the arguments parse; if not, the error (with line and column) is shown.
    bool argumentsValid() const;
    QString argumentsError() const;
    QString resultText() const;
    QCompleter *completer() const { return m_completer; }

    // Sends with the current settings. Returns the number of sockets sent to, -1 if nothing
    // was sent because of a mistake (shown in the panel).
    int send();

    // The emit history and templates shared with the client window (QSettings emit/*): reloads
    // the "Reuse" list; picking an entry fills the event name and arguments.
    void reloadReuseList();
    int reuseCount() const; // entries, not counting the placeholder at index 0
    void reuse(int index); // index into the list, 1 = the first entry
    // Saves the current event name, arguments and volatile flag as a named template.
    void saveTemplate(const QString &name);

Q_SIGNALS:
    void sent(int count);

private:
    void updateTargetWidgets();

    QPointer<EventServer> m_server;
    QStringList m_selected;
    QComboBox *m_target = nullptr;
    QComboBox *m_reuse = nullptr;
    QComboBox *m_namespace = nullptr;
    QLineEdit *m_rooms = nullptr;
    QLineEdit *m_except = nullptr;
    QLabel *m_selectedLabel = nullptr;
    QLineEdit *m_event = nullptr;
    QStringListModel *m_eventNames = nullptr;
    QCompleter *m_completer = nullptr;
    ArgumentsEditor *m_args = nullptr;
    QCheckBox *m_expectAck = nullptr;
    QSpinBox *m_ackTimeout = nullptr;
    QCheckBox *m_volatile = nullptr;
    QPushButton *m_send = nullptr;
    QLabel *m_result = nullptr;
};

} // namespace Sockscope

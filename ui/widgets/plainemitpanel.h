// Sockscope: send to plain WebSocket clients (no Socket.IO).
#pragma once

#include <QPointer>
#include <QStringList>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace Sockscope {

class EventServer;
class PlainConnection;

/*
    To the plain connections selected in the connections view, or to every plain connection:
    a text message, a binary message (typed as hex or loaded from a file), a ping (payload
    as hex), or a close with a code and reason. It only calls PlainConnection's API.
*/
class PlainEmitPanel : public QWidget
{
    Q_OBJECT
public:
    enum class Target { Selected, AllPlain };
    enum class Kind { Text, Binary, Ping, Close };
    Q_ENUM(Target)
    Q_ENUM(Kind)

    explicit PlainEmitPanel(QWidget *parent = nullptr);

    void setServer(EventServer *server);
    // Ids selected in the connections view; those not of plain connections are ignored.
    void setSelectedConnections(const QStringList &ids);

    void setTarget(Target target);
    Target target() const;
    void setKind(Kind kind);
    Kind kind() const;
    void setText(const QString &text); // the text message, or hex for binary and ping
    void setBinaryFile(const QString &path); // binary from this file instead of hex
    void setCloseCode(int code);
    void setCloseReason(const QString &reason);

    // Sends now; returns how many connections it went to (-1: the input is wrong).
    int send();
    QString resultText() const;

private:
    QList<PlainConnection *> targets() const;
    void updateWidgets();
    bool payload(QByteArray *out, QString *error) const;

    QPointer<EventServer> m_server;
    QStringList m_selected;
    QString m_file;
    QComboBox *m_target = nullptr;
    QComboBox *m_kind = nullptr;
    QLabel *m_selectedLabel = nullptr;
    QPlainTextEdit *m_text = nullptr;
    QPushButton *m_loadFile = nullptr;
    QLabel *m_fileLabel = nullptr;
    QSpinBox *m_code = nullptr;
    QLineEdit *m_reason = nullptr;
    QPushButton *m_send = nullptr;
    QLabel *m_result = nullptr;
};

} // namespace Sockscope

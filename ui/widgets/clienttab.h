// Sockscope: one test client (settings, state, handshake, listeners, emit, event log).
#pragma once

#include <arguments.h>
#include <eventclient.h>

#include <QHash>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace Sockscope {

class ArgumentsEditor;
class EventLogModel;
class EventLogView;

/*
    One EventClient and its controls. The event log is the monitor's EventLogView over an
    EventLogModel fed by this client (Out: sent by the client, In: received).
*/
class ClientTab : public QWidget
{
    Q_OBJECT
public:
    explicit ClientTab(QWidget *parent = nullptr);

    EventClient *client() const { return m_client; }
    EventLogModel *logModel() const { return m_model; }
    EventLogView *logView() const { return m_logView; }

    void setUrl(const QString &url);
    QString url() const;
    void setPath(const QString &path);
    void setNamespace(const QString &nsp);
    void setAuthText(const QString &json);
    void setTransport(ClientOptions::Transport transport);
    // The wire format; the last one connected with is remembered (QSettings "client/parser")
    // and is where a new tab starts.
    void setParser(ClientOptions::Parser parser);
    ClientOptions::Parser parser() const;

    // Applies the settings and connects. Returns false (message shown) for a mistake in them.
    bool connectToServer();
    void disconnectFromServer();

    // Joins one more namespace over the live connection (the client's ClientManager); its
    // events go to the same log with their namespace, and the emit form can target it.
    // Returns the socket, or null (message shown) when not connected or already there.
    EventClient *addNamespace(const QString &nsp);
    QList<EventClient *> extraNamespaces() const { return m_extra; }
    QString namespacesText() const; // the added namespaces and their states
    // Where send() goes: the namespace's socket (the main one or an added one).
    void setEmitNamespace(const QString &nsp);

    QString stateText() const;
    QString errorText() const; // the last connect error, in plain words
    QString handshakeText() const;

    void setEventName(const QString &event);
    void setArgumentsText(const QString &json);
    void setBinaryArgument(const QString &text); // appended as a binary argument when not empty
    void setExpectAck(bool expect, int timeoutMs = 5000);
    bool argumentsValid() const;
    QString argumentsError() const;
    QString resultText() const;
    // Sends with the current settings; false (message shown) if nothing was sent.
    bool send();

    void setCatchAll(bool on);
    void setListeners(const QString &commaSeparated);
    // Answer the server's ack requests with this JSON array (an empty text: do not answer).
    void setAutoAckReply(const QString &json);

    // The connect error in plain words.
    static QString explainConnectError(const QString &message, const QString &path,
                                       const QString &nsp);

Q_SIGNALS:
    void titleChanged(const QString &title);

private:
    void updateState();
    void updateHandshake();
    void updateListeners();
    void onEventReceived(const QString &event, const Arguments &args, const Ack &ack);
    void reloadStore();
    QUrl composedUrl() const;
    void updateNamespaces();
    void dropExtraNamespaces();
    EventClient *emitTarget() const;

    EventClient *m_client = nullptr;
    EventLogModel *m_model = nullptr;
    EventLogView *m_logView = nullptr;
    // settings
    QLineEdit *m_url = nullptr;
    QLineEdit *m_path = nullptr;
    QLineEdit *m_namespace = nullptr;
    QLineEdit *m_auth = nullptr;
    QLineEdit *m_query = nullptr;
    QPlainTextEdit *m_headers = nullptr;
    QComboBox *m_transport = nullptr;
    QComboBox *m_parser = nullptr; // data: ClientOptions::Parser as int
    QSpinBox *m_attempts = nullptr;
    QSpinBox *m_delay = nullptr;
    QSpinBox *m_timeout = nullptr;
    QPushButton *m_connect = nullptr;
    QPushButton *m_disconnect = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_error = nullptr;
    QLineEdit *m_addNamespace = nullptr;
    QPushButton *m_addNamespaceButton = nullptr;
    QLabel *m_namespaces = nullptr;
    QList<EventClient *> m_extra; // added namespaces, over the main client's connection
    QHash<EventClient *, QString> m_extraErrors;
    QPlainTextEdit *m_handshake = nullptr;
    // listening
    QCheckBox *m_catchAll = nullptr;
    QLineEdit *m_listeners = nullptr;
    QLineEdit *m_ackReply = nullptr;
    QLabel *m_ackReplyError = nullptr;
    // emit
    QComboBox *m_emitNamespace = nullptr; // data: the namespace name
    QComboBox *m_history = nullptr;
    QComboBox *m_templates = nullptr;
    QPushButton *m_saveTemplate = nullptr;
    QLineEdit *m_event = nullptr;
    ArgumentsEditor *m_args = nullptr;
    QLineEdit *m_binary = nullptr;
    QCheckBox *m_expectAck = nullptr;
    QSpinBox *m_ackTimeout = nullptr;
    QPushButton *m_send = nullptr;
    QLabel *m_result = nullptr;
    QString m_lastError;
    QStringList m_listenerNames;
};

} // namespace Sockscope

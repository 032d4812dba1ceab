// Sockscope: the monitor's server settings, Start/Stop, URL and errors.
#pragma once

#include <serveroptions.h>

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace Sockscope {

// What the server is started with: where to listen, its options, an optional rules file.
struct ServerSettings
{
    QString bind = QStringLiteral("127.0.0.1");
    int port = 8080;
    ServerOptions options;
    QString rulesFile;
};

// The settings the server panel shows, one flag each.
enum class ServerSetting {
    Bind = 0x01,
    Port = 0x02,
    PingInterval = 0x04,
    PingTimeout = 0x08,
    MaxPayload = 0x10,
    Origins = 0x20,
    RulesFile = 0x40,
    MaxBufferedBytes = 0x80,
    Parser = 0x100,
};
Q_DECLARE_FLAGS(ServerSettingFields, ServerSetting)

// Saves the panel's settings (QSettings, group "server") to be offered on the next run.
void rememberServerSettings(const ServerSettings &settings);
// Saves only the rules file (one loaded or saved in the rules panel).
void rememberRulesFile(const QString &path);
// base with the remembered values in place of its own, except the fields in keep (given on
// the command line, say); options the panel does not show always come from base. A
// remembered rules file that no longer exists is not used.
ServerSettings rememberedServerSettings(const ServerSettings &base,
                                        ServerSettingFields keep = {});

/*
    Edits ServerSettings (the fields it shows; other options pass through unchanged), asks for
    Start and Stop, shows the URL clients connect to, and shows errors inline: a bad value or a
    busy port appears in the panel, never in a dialog.
*/
class ServerControlPanel : public QWidget
{
    Q_OBJECT
public:
    explicit ServerControlPanel(QWidget *parent = nullptr);

    ServerSettings settings() const;
    void setSettings(const ServerSettings &settings);

    // Reflects the server state: fields are locked while it runs.
    void setListening(bool listening, const QString &url = {});
    QString url() const;
    void setError(const QString &message); // empty clears
    QString errorText() const;
    // The server's refusals and drops so far, in one line ("none" when nothing was refused),
    // slow-consumer closes and volatile events dropped among them.
    void setStats(const ServerStats &stats);
    QString statsText() const;
    // Shown whenever the bind address is not loopback: others on the network can connect.
    bool isExposureWarningShown() const;

Q_SIGNALS:
    void startRequested();
    void stopRequested();

private:
    ServerSettings m_base; // options not shown here pass through
    QLineEdit *m_bind = nullptr;
    QSpinBox *m_port = nullptr;
    QSpinBox *m_pingInterval = nullptr;
    QSpinBox *m_pingTimeout = nullptr;
    QSpinBox *m_maxPayload = nullptr;
    QSpinBox *m_maxBuffered = nullptr;
    QComboBox *m_parser = nullptr; // data: ServerOptions::Parser as int
    QLineEdit *m_origins = nullptr;
    QLineEdit *m_rules = nullptr;
    QPushButton *m_browse = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_stop = nullptr;
    QLineEdit *m_url = nullptr;
    QPushButton *m_copy = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_error = nullptr;
    QLabel *m_exposure = nullptr;
    QLabel *m_stats = nullptr;
    void updateExposure();
};

} // namespace Sockscope

Q_DECLARE_OPERATORS_FOR_FLAGS(Sockscope::ServerSettingFields)

// Sockscope: the client window: test clients in tabs.
#pragma once

#include <QMainWindow>

QT_BEGIN_NAMESPACE
class QTabWidget;
QT_END_NAMESPACE

namespace Sockscope {

class ClientTab;

/*
    Several Socket.IO clients, one per tab, each with its settings, state, handshake,
    listeners, emit form and the same event log view as the monitor.
*/
class ClientWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit ClientWindow(QWidget *parent = nullptr);

    // The URL new tabs start with (the monitor's server URL, or --client URL).
    void setDefaultUrl(const QString &url) { m_defaultUrl = url; }
    QString defaultUrl() const { return m_defaultUrl; }

    // A new tab with this URL (the default URL when empty); connects at once if asked.
    ClientTab *addClient(const QString &url = {}, bool connectNow = false);
    // n more tabs like the current one (or the default), all connecting at once.
    QList<ClientTab *> openClients(int n);
    void openClientsInteractive();

    int clientCount() const;
    ClientTab *client(int index) const;
    ClientTab *currentClient() const;
    QTabWidget *tabs() const { return m_tabs; }

private:
    void closeTab(int index);

    QTabWidget *m_tabs = nullptr;
    QString m_defaultUrl = QStringLiteral("http://127.0.0.1:8080");
    int m_created = 0;
};

} // namespace Sockscope

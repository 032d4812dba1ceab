#include "clientwindow.h"

#include <clienttab.h>

#include <QAction>
#include <QInputDialog>
#include <QMenuBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

using namespace Qt::StringLiterals;

namespace Sockscope {

ClientWindow::ClientWindow(QWidget *parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Sockscope client"));
    setWindowIcon(QIcon(u":/sockscope/sockscope.svg"_s));
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"clientTabs"_s);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    setCentralWidget(m_tabs);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &ClientWindow::closeTab);

    auto *fileMenu = menuBar()->addMenu(tr("&Client"));
    auto *newClient = fileMenu->addAction(tr("&New client"));
    newClient->setObjectName(u"newClient"_s);
    newClient->setShortcut(QKeySequence::AddTab);
    connect(newClient, &QAction::triggered, this, [this] {
        const ClientTab *current = currentClient();
        addClient(current ? current->url() : QString());
    });
    auto *openN = fileMenu->addAction(tr("Open &N clients…"));
    openN->setObjectName(u"openNClients"_s);
    connect(openN, &QAction::triggered, this, &ClientWindow::openClientsInteractive);
    fileMenu->addSeparator();
    auto *closeWindow = fileMenu->addAction(tr("&Close window"));
    closeWindow->setShortcut(QKeySequence::Close);
    connect(closeWindow, &QAction::triggered, this, &QWidget::close);
    resize(1280, 800);
}

ClientTab *ClientWindow::addClient(const QString &url, bool connectNow)
{
    auto *tab = new ClientTab(m_tabs);
    tab->setUrl(url.isEmpty() ? m_defaultUrl : url);
    const int index = m_tabs->addTab(tab, tr("Client %1").arg(++m_created));
    const QString name = m_tabs->tabText(index);
    connect(tab, &ClientTab::titleChanged, this, [this, tab, name](const QString &title) {
        const int i = m_tabs->indexOf(tab);
        if (i >= 0)
            m_tabs->setTabToolTip(i, name + u": "_s + title);
    });
    m_tabs->setCurrentIndex(index);
    if (connectNow)
        tab->connectToServer();
    statusBar()->showMessage(tr("%n client(s)", nullptr, m_tabs->count()));
    return tab;
}

QList<ClientTab *> ClientWindow::openClients(int n)
{
    const ClientTab *current = currentClient();
    const QString url = current ? current->url() : m_defaultUrl;
    QList<ClientTab *> tabs;
    for (int i = 0; i < n; ++i)
        tabs.append(addClient(url, true));
    return tabs;
}

void ClientWindow::openClientsInteractive()
{
    bool ok = false;
    const int n = QInputDialog::getInt(this, tr("Open clients"),
                                       tr("How many clients to open (each connects at once)?"),
                                       10, 1, 500, 1, &ok);
    if (ok)
        openClients(n);
}

int ClientWindow::clientCount() const
{
    return m_tabs->count();
}

ClientTab *ClientWindow::client(int index) const
{
    return qobject_cast<ClientTab *>(m_tabs->widget(index));
}

ClientTab *ClientWindow::currentClient() const
{
    return qobject_cast<ClientTab *>(m_tabs->currentWidget());
}

void ClientWindow::closeTab(int index)
{
    QWidget *w = m_tabs->widget(index);
    m_tabs->removeTab(index);
    delete w;
    statusBar()->showMessage(tr("%n client(s)", nullptr, m_tabs->count()));
}

} // namespace Sockscope

/**
 * National clouds (docs/protocol.md §7): Entra authority host, v2 issuer host (China's differs from its
 * endpoint host), Graph, service management and the Databricks DNS zone. The Azure Databricks
 * resource app id is the same in all three.
 */

export type CloudName = 'public' | 'usgov' | 'china';

export interface Cloud {
  name: CloudName;
  /** Entra authority host used for endpoints. */
  authorityHost: string;
  /** Other host names of the same Entra instance. */
  aliases: string[];
  /** Host in the v2 issuer `https://{host}/{tid}/v2.0`. */
  issuerHostV2: string;
  graph: string;
  serviceManagement: string;
  databricksDomain: string;
}

export const AZURE_DATABRICKS_APP_ID = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d';
export const AZURE_DATABRICKS_SCOPE = `${AZURE_DATABRICKS_APP_ID}/.default`;
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The audience Entra expects in a federated assertion (docs/protocol.md §2.5). */
export const ENTRA_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
export const OIDC_SCOPES = ['openid', 'profile', 'offline_access'] as const;

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  public: {
    name: 'public',
    authorityHost: 'login.microsoftonline.com',
    aliases: ['login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
    issuerHostV2: 'login.microsoftonline.com',
    graph: 'https://graph.microsoft.com',
    serviceManagement: 'https://management.core.windows.net/',
    databricksDomain: 'azuredatabricks.net',
  },
  usgov: {
    name: 'usgov',
    authorityHost: 'login.microsoftonline.us',
    aliases: ['login.usgovcloudapi.net'],
    issuerHostV2: 'login.microsoftonline.us',
    graph: 'https://graph.microsoft.us',
    serviceManagement: 'https://management.core.usgovcloudapi.net/',
    databricksDomain: 'databricks.azure.us',
  },
  china: {
    name: 'china',
    authorityHost: 'login.chinacloudapi.cn',
    aliases: ['login.partner.microsoftonline.cn'],
    issuerHostV2: 'login.partner.microsoftonline.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    serviceManagement: 'https://management.core.chinacloudapi.cn/',
    databricksDomain: 'databricks.azure.cn',
  },
};

/** The cloud whose authority host (or alias) is `host`, if any. */
export function cloudOfHost(host: string): Cloud | undefined {
  const h = host.toLowerCase();
  return Object.values(CLOUDS).find((c) => c.authorityHost === h || c.aliases.includes(h) || c.issuerHostV2 === h);
}
